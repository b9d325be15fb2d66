using System.Globalization;

namespace DxyqOpenData.Api.Vouchers;

/// <summary>
/// The <c>from</c>/<c>to</c> of a voucher request: a date (the day starts at 00:00 Beijing time, +08:00) or a date-time
/// with offset; <c>from</c> inclusive, <c>to</c> exclusive, stored and compared in UTC.
/// </summary>
internal sealed record VoucherPeriod(DateTime From, DateTime To)
{
    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);

    /// <summary>The period, or the errors by parameter name (for a validation problem).</summary>
    public static (VoucherPeriod? Period, Dictionary<string, string[]> Errors) Parse(string? from, string? to)
    {
        var errors = new Dictionary<string, string[]>();
        var start = Instant(nameof(from), from, errors);
        var end = Instant(nameof(to), to, errors);
        if (start is { } s && end is { } e && e <= s)
        {
            errors["to"] = [$"to ({to}) must be after from ({from})."];
        }
        return errors.Count == 0 ? (new VoucherPeriod(start!.Value, end!.Value), errors) : (null, errors);
    }

    private static DateTime? Instant(string name, string? text, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            errors[name] = [$"{name} is required: a date (2026-03-01, from 00:00 Beijing time) or a date-time with offset (2026-03-01T00:00:00+08:00)."];
            return null;
        }
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), Beijing).UtcDateTime;
        }
        if (text.Length > 19 && (text.EndsWith('Z') || text[^6] is '+' or '-')
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant))
        {
            return instant.UtcDateTime;
        }
        errors[name] = [$"{name} '{text}' is neither a date (yyyy-MM-dd) nor a date-time with offset (yyyy-MM-ddTHH:mm:ss+08:00)."];
        return null;
    }
}
