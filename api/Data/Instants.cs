using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace DxyqOpenData.Api.Data;

/// <summary>
/// The one stored form of an instant: UTC, to the microsecond (PostgreSQL's <c>timestamptz</c> keeps no finer, so every
/// provider keeps the same instant and a value read back compares equal to itself). On SQLite, where an instant is text
/// and compares as text, it is EF's own text (<c>yyyy-MM-dd HH:mm:ss.FFFFFF</c>, trailing zeros of the fraction left
/// out), which every writer produces through EF's type mapping; see docs/data-model.md, "Money and time".
/// </summary>
public static class Instants
{
    /// <summary>The instant in UTC, its ticks below the microsecond dropped (as PostgreSQL drops them).</summary>
    public static DateTime Canonical(DateTime value)
    {
        var utc = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value;
        return new DateTime(utc.Ticks - utc.Ticks % TimeSpan.TicksPerMicrosecond, DateTimeKind.Utc);
    }
}

/// <summary>
/// Every DateTime is written in <see cref="Instants.Canonical"/> form (PostgreSQL's timestamptz also insists on UTC) and
/// read back as UTC. EF applies it to parameters compared with a column too, so a filter's instant is cut the same way.
/// </summary>
public sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
    v => Instants.Canonical(v),
    v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
