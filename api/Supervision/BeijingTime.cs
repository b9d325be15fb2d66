namespace DxyqOpenData.Api.Supervision;

/// <summary>
/// Every date a supervision rule counts from or to is a Beijing date (Asia/Shanghai, UTC+8 all year: China has kept no
/// daylight saving time since 1991), never the UTC date: 23:30 UTC on 5 January is 6 January in Beijing.
/// </summary>
public static class BeijingTime
{
    public static readonly TimeSpan Offset = TimeSpan.FromHours(8);

    /// <summary>The Beijing date of a UTC instant.</summary>
    public static DateOnly DateOf(DateTime utc) => DateOnly.FromDateTime(DateTime.SpecifyKind(utc, DateTimeKind.Utc).Add(Offset));

    public static DateOnly DateOf(DateTimeOffset instant) => DateOnly.FromDateTime(instant.ToOffset(Offset).DateTime);

    /// <summary>The UTC instant at which a Beijing date begins.</summary>
    public static DateTime StartOf(DateOnly date) => DateTime.SpecifyKind(date.ToDateTime(TimeOnly.MinValue) - Offset, DateTimeKind.Utc);
}
