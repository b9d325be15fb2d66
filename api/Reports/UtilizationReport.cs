using System.Data;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Supervision;

namespace DxyqOpenData.Api.Reports;

/// <summary>How the utilization report groups instruments.</summary>
public enum UtilizationGrouping { Instrument, Unit, Region, City, Category, Province, Origin }

/// <summary>One group's figures over the period.</summary>
public sealed record UtilizationRow(string Key, int Instruments, double EffectiveHours, double ExternalHours, double RatedHours,
    double? UsageRate, double? SharingRate);

/// <summary>
/// Usage and sharing rates (docs/domain.md "Rates", docs/supervision.md) computed in the database, one statement per
/// report: per instrument its effective hours in the period (sensor runs where it has a sensor, else service records;
/// a run or record cut by the period counts pro rata), its hours of service to users outside the unit, and its rated
/// hours (its yearly figure, or the default, pro rata by the Beijing days it was onboarded and not scrapped); then
/// summed per group. Nothing is loaded row by row.
/// </summary>
public static class UtilizationReport
{
    public static async Task<List<UtilizationRow>> RunAsync(CatalogDbContext db, UtilizationGrouping grouping, DateOnly from, DateOnly to,
        string? unitId, double defaultRatedHours, DateTime now, CancellationToken cancellationToken, string? categoryCode = null)
    {
        // Instants untyped: each provider binds a UTC DateTime as its columns hold it (SQLite text, PostgreSQL timestamptz).
        return await ReportQuery.RunAsync(db, Sql(SqlDialect.For(db), grouping),
        [
            ("from", BeijingTime.StartOf(from), null),
            ("to", BeijingTime.StartOf(to.AddDays(1)), null),
            ("now", DateTime.SpecifyKind(now, DateTimeKind.Utc), null),
            ("unit", unitId, DbType.String),
            ("category", categoryCode, DbType.String),
            ("rated", defaultRatedHours, DbType.Double),
        ], reader => new UtilizationRow(reader.GetString(0).Trim(), Convert.ToInt32(reader.GetValue(1)),
            Round(reader.GetValue(2)), Round(reader.GetValue(3)), Round(reader.GetValue(4)),
            reader.IsDBNull(5) ? null : Math.Round(Convert.ToDouble(reader.GetValue(5)), 4),
            reader.IsDBNull(6) ? null : Math.Round(Convert.ToDouble(reader.GetValue(6)), 4)), cancellationToken);
    }

    private static double Round(object value) => value is DBNull ? 0 : Math.Round(Convert.ToDouble(value), 2);

    /// <summary>The statement; its only inputs are parameters (the grouping picks one of the fixed key expressions).</summary>
    internal static string Sql(SqlDialect d, UtilizationGrouping grouping)
    {
        string H(string x) => d.Hours(x);
        var from = H("@from");
        var to = H("@to");
        var key = grouping switch
        {
            UtilizationGrouping.Instrument => d.Text("i.id"),
            UtilizationGrouping.Unit => "i.unit_id",
            UtilizationGrouping.Region => "i.region_code",
            UtilizationGrouping.City => $"{d.Substring}(i.region_code, 1, 4) {d.Concat} '00'",
            UtilizationGrouping.Category => "i.category_code",
            UtilizationGrouping.Province => $"{d.Substring}(i.region_code, 1, 2) {d.Concat} '0000'",
            // Domestic (rule 14) as the push derives it from countryOfOrigin: 'CN'.
            UtilizationGrouping.Origin => $"CASE WHEN i.is_domestic = {d.True} THEN 'domestic' ELSE 'imported' END",
            _ => throw new ArgumentOutOfRangeException(nameof(grouping)),
        };
        return $"""
            WITH inst AS (
                SELECT i.id, {key} AS grp, i.sensor_id,
                       COALESCE(i.rated_hours_per_year, @rated) AS rated_year,
                       {d.Floor($"({H("i.onboarded_at")} + 8.0) / 24.0")} * 24.0 - 8.0 AS active_from,
                       CASE WHEN i.scrapped_on IS NULL THEN {to} ELSE {d.DateHours("i.scrapped_on")} END AS active_to
                FROM instruments i
                WHERE i.onboarded_at IS NOT NULL AND i.is_confidential <> {d.True} AND (@unit IS NULL OR i.unit_id = @unit)
                      AND (@category IS NULL OR i.category_code = @category)
            ),
            runs AS (
                SELECT s.instrument_id,
                       SUM({d.Greatest}(0.0, {d.Least}({H("COALESCE(s.ended_at, @now)")}, {to}) - {d.Greatest}({H("s.started_at")}, {from}))) AS hours
                FROM usage_sessions s
                WHERE s.source = 'sensor' AND s.started_at < @to AND (s.ended_at IS NULL OR s.ended_at > @from)
                      AND s.instrument_id IN (SELECT id FROM inst)
                GROUP BY s.instrument_id
            ),
            served AS (
                SELECT r.instrument_id,
                       SUM(r.hours * (CASE WHEN r.ended_at > r.started_at
                           THEN {d.Greatest}(0.0, {d.Least}({H("r.ended_at")}, {to}) - {d.Greatest}({H("r.started_at")}, {from})) / ({H("r.ended_at")} - {H("r.started_at")})
                           ELSE 1.0 END)) AS hours,
                       SUM(CASE WHEN r.is_external = {d.True} THEN r.hours * (CASE WHEN r.ended_at > r.started_at
                           THEN {d.Greatest}(0.0, {d.Least}({H("r.ended_at")}, {to}) - {d.Greatest}({H("r.started_at")}, {from})) / ({H("r.ended_at")} - {H("r.started_at")})
                           ELSE 1.0 END) ELSE 0.0 END) AS external_hours
                FROM service_records r
                WHERE r.started_at < @to AND (r.ended_at > @from OR (r.ended_at = r.started_at AND r.started_at >= @from))
                      AND r.instrument_id IN (SELECT id FROM inst)
                GROUP BY r.instrument_id
            ),
            per AS (
                SELECT inst.grp,
                       CASE WHEN inst.sensor_id IS NOT NULL THEN COALESCE(runs.hours, 0.0) ELSE COALESCE(served.hours, 0.0) END AS effective,
                       COALESCE(served.external_hours, 0.0) AS external_hours,
                       inst.rated_year * {d.Greatest}(0.0, {d.Least}(inst.active_to, {to}) - {d.Greatest}(inst.active_from, {from})) / 24.0 / 365.0 AS rated
                FROM inst
                LEFT JOIN runs ON runs.instrument_id = inst.id
                LEFT JOIN served ON served.instrument_id = inst.id
            )
            SELECT grp, COUNT(*), SUM(effective), SUM(external_hours), SUM(rated),
                   CASE WHEN SUM(rated) > 0 THEN SUM(effective) / SUM(rated) END,
                   CASE WHEN SUM(effective) > 0 THEN SUM(external_hours) / SUM(effective) END
            FROM per
            GROUP BY grp
            ORDER BY grp
            """;
    }
}
