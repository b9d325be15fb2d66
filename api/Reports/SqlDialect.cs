using DxyqOpenData.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Reports;

/// <summary>
/// The few expressions a report's SQL writes differently per provider. Instants become hours since the Unix epoch
/// (<see cref="Hours"/>) so overlaps are plain arithmetic on numbers, the same on every provider.
/// </summary>
internal sealed record SqlDialect(Func<string, string> Hours, Func<string, string> DateHours, Func<string, string> Floor,
    Func<string, string> Text, string Substring, string Least, string Greatest, string True, string Concat)
{
    public static SqlDialect For(CatalogDbContext db) => db.Database.ProviderName switch
    {
        "Microsoft.EntityFrameworkCore.Sqlite" => new(
            x => $"((julianday({x}) - 2440587.5) * 24.0)",
            d => $"((julianday({d}) - 2440587.5) * 24.0 - 8.0)",
            // Every value floored here is positive: truncation is the floor.
            x => $"CAST({x} AS INTEGER)",
            x => x, "substr", "MIN", "MAX", "1", "||"),
        "Npgsql.EntityFrameworkCore.PostgreSQL" => new(
            x => $"(EXTRACT(EPOCH FROM {x}) / 3600.0)",
            d => $"(EXTRACT(EPOCH FROM {d}::timestamp) / 3600.0 - 8.0)",
            x => $"FLOOR({x})",
            x => $"CAST({x} AS text)", "SUBSTRING", "LEAST", "GREATEST", "TRUE", "||"),
        "Microsoft.EntityFrameworkCore.SqlServer" => new(
            x => $"(DATEDIFF_BIG(second, '1970-01-01', {x}) / 3600.0)",
            d => $"(DATEDIFF_BIG(second, '1970-01-01', CAST({d} AS datetime2)) / 3600.0 - 8.0)",
            x => $"FLOOR({x})",
            x => $"CAST({x} AS nvarchar(36))", "SUBSTRING", "LEAST", "GREATEST", "1", "+"),
        var other => throw new NotSupportedException($"No report SQL for {other}."),
    };
}
