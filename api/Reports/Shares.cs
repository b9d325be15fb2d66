using System.Data;
using System.Globalization;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Instruments;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Reports;

/// <summary>
/// The shares report (rules 6 and 14, docs/reports.md). Bought in a year: <c>purchaseDate</c> in it, or, without one,
/// <c>acceptanceDate</c>. Domestic: <c>countryOfOrigin</c> CN (the instrument's <c>isDomestic</c>). Confidential
/// instruments are left out, as in every rate. Counted and summed by the database.
/// </summary>
public static class Shares
{
    public const string FileName = "shares.json";

    /// <summary>The shares rules file (shares.json): the shared-facility target, more than 0 and at most 1.</summary>
    public sealed record Rules(double SharedFacilityTarget);

    public static Rules Load(string path) => RulesFile.Load<Rules>(path, "shares rules",
        r => r.SharedFacilityTarget is > 0 and <= 1 ? [] : ["sharedFacilityTarget must be more than 0 and at most 1"]);

    public static async Task<SharesReport> RunAsync(CatalogDbContext db, double target, int year, DateOnly today, double defaultRatedHours, DateTime now,
        CancellationToken cancellationToken)
    {
        var from = new DateOnly(year, 1, 1);
        var to = new DateOnly(year, 12, 31) < today ? new DateOnly(year, 12, 31) : today;
        var (previousFrom, previousTo) = (from.AddYears(-1), to.AddYears(-1));
        var d = SqlDialect.For(db);
        // Dates bound as DateOnly: each provider binds it as its date columns hold it (SQLite text yyyy-MM-dd, PostgreSQL date).
        List<(string, object?, DbType?)> parameters = [("from", from, null), ("to", to, null), ("prevFrom", previousFrom, null), ("prevTo", previousTo, null)];
        var bought = (await ReportQuery.RunAsync(db, PurchasesSql(d), parameters,
            r => Enumerable.Range(0, 8).Select(i => ReportQuery.Long(r, i)).ToArray(), cancellationToken)).Single();

        var hours = await UtilizationReport.RunAsync(db, UtilizationGrouping.Origin, from, to, null, defaultRatedHours, now, cancellationToken);
        var previousHours = await UtilizationReport.RunAsync(db, UtilizationGrouping.Origin, previousFrom, previousTo, null, defaultRatedHours, now, cancellationToken);
        static double Domestic(List<UtilizationRow> rows) => rows.Where(r => r.Key == "domestic").Sum(r => r.EffectiveHours);
        var domestic = new List<DomesticShare>
        {
            Share("instruments", bought[1], bought[0], bought[5], bought[4]),
            Share("priceCny", (double)Money.FromFen(bought[3]), (double)Money.FromFen(bought[2]), (double)Money.FromFen(bought[7]), (double)Money.FromFen(bought[6])),
            Share("machineHours", Domestic(hours), hours.Sum(r => r.EffectiveHours), Domestic(previousHours), previousHours.Sum(r => r.EffectiveHours)),
        };

        parameters.Add(("general", WireNames<InstrumentType>.ToWire(InstrumentType.General), DbType.String));
        var facility = await ReportQuery.RunAsync(db, FacilitySql(d), parameters,
            r => (UnitId: r.GetString(0).Trim(), Bought: (int)ReportQuery.Long(r, 1), Shared: (int)ReportQuery.Long(r, 2)), cancellationToken);
        var ids = facility.Select(f => f.UnitId).ToList();
        var names = await db.Units.AsNoTracking().Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id.Trim(), u => u.Name, cancellationToken);
        // Below the target when shared < target × bought, in decimal: 13 of 20 is exactly 65 %, not below.
        var units = facility.OrderBy(f => f.UnitId, StringComparer.Ordinal).Select(f => new FacilityShare(f.UnitId, names.GetValueOrDefault(f.UnitId) ?? f.UnitId,
            f.Bought, f.Shared, Math.Round((double)f.Shared / f.Bought, 4), target, f.Shared < (decimal)target * f.Bought)).ToList();
        return new SharesReport(year, from, to, previousFrom, previousTo, now, RulesUsed(target), target, domestic, units,
            units.Where(u => u.BelowTarget).Select(u => u.UnitId).ToList());
    }

    private static DomesticShare Share(string measure, double domestic, double total, double previousDomestic, double previousTotal)
    {
        double? share = total > 0 ? Math.Round(domestic / total, 4) : null;
        double? previous = previousTotal > 0 ? Math.Round(previousDomestic / previousTotal, 4) : null;
        double? change = share is { } s && previous is { } p ? Math.Round(s - p, 4) : null;
        return new DomesticShare(measure, Math.Round(domestic, 2), Math.Round(total, 2), share, Math.Round(previousDomestic, 2), Math.Round(previousTotal, 2),
            previous, change, change is { } c ? c > 0 : null);
    }

    private static IReadOnlyList<string> RulesUsed(double target) =>
    [
        "rule 14: the share of domestic instruments (countryOfOrigin CN) bought and used should rise every year",
        "bought in the year: purchaseDate in it, or acceptanceDate when there is no purchaseDate; confidential instruments left out",
        "machine hours: effective hours of the utilization report (sensor runs, else service records), per year; year on year against the same dates a year before",
        "share = domestic ÷ total (null when the total is 0); change = this year's share − last year's; rising when the change is above 0",
        string.Create(CultureInfo.InvariantCulture,
            $"rule 6: at least {target:0.##%} of a unit's newly bought general-purpose instruments (instrumentType general) in its shared facility (inSharedFacility); below: in shared facility < {target} × bought (api/Data/Reference/shares.json)"),
    ];

    private static string PurchasesSql(SqlDialect d)
    {
        static string Sums(string when, string domestic) => $"""
            SUM(CASE WHEN {when} THEN 1 ELSE 0 END), SUM(CASE WHEN {when} AND {domestic} THEN 1 ELSE 0 END),
            SUM(CASE WHEN {when} THEN b.price_fen ELSE 0 END), SUM(CASE WHEN {when} AND {domestic} THEN b.price_fen ELSE 0 END)
            """;
        var domestic = $"b.is_domestic = {d.True}";
        return $"""
            SELECT {Sums("b.bought >= @from", domestic)}, {Sums("b.bought <= @prevTo", domestic)}
            FROM (SELECT COALESCE(i.purchase_date, i.acceptance_date) AS bought, i.is_domestic, i.price_fen
                  FROM instruments i WHERE i.is_confidential <> {d.True}) b
            WHERE (b.bought >= @from AND b.bought <= @to) OR (b.bought >= @prevFrom AND b.bought <= @prevTo)
            """;
    }

    private static string FacilitySql(SqlDialect d) => $"""
        SELECT i.unit_id, COUNT(*), SUM(CASE WHEN i.in_shared_facility = {d.True} THEN 1 ELSE 0 END)
        FROM instruments i
        WHERE i.is_confidential <> {d.True} AND i.instrument_type = @general
              AND COALESCE(i.purchase_date, i.acceptance_date) >= @from AND COALESCE(i.purchase_date, i.acceptance_date) <= @to
        GROUP BY i.unit_id
        """;
}
