using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data.Reference;
using DxyqOpenData.Api.Alerts;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Api.Supervision;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Reports;

/// <summary>
/// The purchase review (rule 3, docs/reports.md) of a planned purchase of at least <see cref="ThresholdCny"/>: the
/// same-class rates of the unit, its city and the province over the last 12 months (the utilization report's query,
/// narrowed to the class), the idle instruments and their alerts, and rule 15 from last year's evaluation.
/// </summary>
public static class PurchaseReview
{
    public const decimal ThresholdCny = 500_000m;

    private static readonly AlertKind[] IdleKinds = [AlertKind.Idle1Month, AlertKind.Idle3Months, AlertKind.Idle6Months];

    public static async Task<PurchaseReviewReport> RunAsync(CatalogDbContext db, EvaluationRules rules, string category, string unitId, string unitName,
        County county, City city, Province province, decimal priceCny, double defaultRatedHours, DateTime now, CancellationToken cancellationToken)
    {
        var to = BeijingTime.DateOf(now).AddDays(-1);
        var from = to.AddYears(-1).AddDays(1);
        Task<List<UtilizationRow>> Rates(UtilizationGrouping grouping) =>
            UtilizationReport.RunAsync(db, grouping, from, to, null, defaultRatedHours, now, cancellationToken, category);

        var perInstrument = (await Rates(UtilizationGrouping.Instrument)).ToDictionary(r => Guid.Parse(r.Key));
        var ids = perInstrument.Keys.ToList();
        var instruments = await db.Instruments.IgnoreQueryFilters([Instrument.PublishedFilter]).AsNoTracking().Where(i => ids.Contains(i.Id))
            .Select(i => new { i.Id, i.Name, i.InnerId, i.UnitId, UnitName = i.Unit!.Name, i.RegionCode, i.InstrumentType }).ToListAsync(cancellationToken);
        var alerts = (await db.Alerts.AsNoTracking().Where(a => a.ResolvedAt == null && ids.Contains(a.InstrumentId))
            .OrderBy(a => a.Since).ToListAsync(cancellationToken)).ToLookup(a => a.InstrumentId);

        string ScopeOf(string owner, string region) =>
            owner == unitId ? "unit" : Regions.Default.CityOf(region)?.Code == city.Code ? "city" : "province";
        var all = instruments.Select(i =>
        {
            var r = perInstrument[i.Id];
            var open = alerts[i.Id].Select(a => new ReviewAlert(WireNames<AlertKind>.ToWire(a.Kind), a.Since, a.Message,
                a.ExplanationReason is { } e ? WireNames<AlertExplanationReason>.ToWire(e) : null, a.Explanation)).ToList();
            return new ReviewInstrument(i.Id, i.Name, i.InnerId, i.UnitId, i.UnitName, i.RegionCode, ScopeOf(i.UnitId, i.RegionCode),
                WireNames<InstrumentType>.ToWire(i.InstrumentType), r.EffectiveHours, r.ExternalHours, r.RatedHours, r.UsageRate, r.SharingRate,
                alerts[i.Id].Any(a => IdleKinds.Contains(a.Kind)), open);
        }).ToList();

        var unitRow = (await Rates(UtilizationGrouping.Unit)).FirstOrDefault(r => r.Key == unitId);
        var cityRow = (await Rates(UtilizationGrouping.City)).FirstOrDefault(r => r.Key == city.Code);
        var provinceRow = (await Rates(UtilizationGrouping.Province)).FirstOrDefault(r => r.Key == province.Code);
        var scopes = new List<ReviewScope>
        {
            Scope("unit", unitId, unitName, unitRow, all.Count(i => i.Scope == "unit" && i.Idle)),
            Scope("city", city.Code, city.Name, cityRow, all.Count(i => i.Scope != "province" && Regions.Default.CityOf(i.RegionCode)?.Code == city.Code && i.Idle)),
            Scope("province", province.Code, province.Name, provinceRow, all.Count(i => i.Idle)),
        };
        var listed = all.Where(i => i.Scope != "province" || i.Idle)
            .OrderBy(i => i.Scope switch { "unit" => 0, "city" => 1, _ => 2 }).ThenByDescending(i => i.Idle).ThenBy(i => i.UsageRate ?? 0).ThenBy(i => i.Id).ToList();

        var rule15 = await Rule15Async(db, rules, category, unitId, BeijingTime.DateOf(now), defaultRatedHours, now, cancellationToken);
        var conclusion = PurchaseReviewConclusion.Write(category, priceCny, from, to, scopes, rule15, rules.UsageRateTarget);
        return new PurchaseReviewReport(category, unitId, unitName, county.Code, city.Code, city.Name, priceCny, from, to, now, scopes, listed, rule15,
            conclusion, PurchaseReviewConclusion.RulesUsed(rules));
    }

    private static ReviewScope Scope(string scope, string code, string name, UtilizationRow? row, int idle) =>
        new(scope, code, name, row?.Instruments ?? 0, idle, row?.EffectiveHours ?? 0, row?.ExternalHours ?? 0, row?.RatedHours ?? 0, row?.UsageRate, row?.SharingRate);

    /// <summary>Last (complete) year's evaluation: a poor unit may not buy again a general-purpose class it shared poorly.</summary>
    private static async Task<ReviewRule15> Rule15Async(CatalogDbContext db, EvaluationRules rules, string category, string unitId, DateOnly today,
        double defaultRatedHours, DateTime now, CancellationToken cancellationToken)
    {
        var year = today.Year - 1;
        var evaluation = await Evaluation.RunAsync(db, rules, year, today, defaultRatedHours, now, cancellationToken);
        var line = evaluation.Value.FirstOrDefault(u => u.UnitId == unitId);
        if (line is null)
        {
            return new ReviewRule15(false, year, null, $"The unit was not evaluated for {year}.");
        }
        var flagged = line.Band == Evaluation.Poor && line.NotToBeBoughtAgain.Contains(category);
        return new ReviewRule15(flagged, year, line.Band, flagged
            ? $"Rated poor for {year}, and its general-purpose class {category} was shared below {rules.PoorlySharedClassRate:0.##%}: not to be bought again (rule 15)."
            : line.Band == Evaluation.Poor
                ? $"Rated poor for {year}, but class {category} is not one of its poorly shared general-purpose classes."
                : $"Rated {line.Band} for {year}.");
    }
}
