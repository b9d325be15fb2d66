using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data.Reference;
using DxyqOpenData.Api.Units;
using DxyqOpenData.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Reports;

/// <summary>
/// The yearly evaluation of units (rules 13 and 15, docs/reports.md): indicators from <see cref="EvaluationFacts"/>,
/// a weighted score, ranks, the excellent cut (at most the configured share, ties at the cut left out), bands, the
/// sharing-insurance subsidy of provincial universities and institutes, and the classes a poor unit may not buy again.
/// </summary>
public static class Evaluation
{
    public const string Excellent = "excellent", Good = "good", Pass = "pass", Poor = "poor";

    public static async Task<EvaluationReport> RunAsync(CatalogDbContext db, EvaluationRules rules, int year, DateOnly today, double defaultRatedHours,
        DateTime now, CancellationToken cancellationToken)
    {
        var from = new DateOnly(year, 1, 1);
        var to = new DateOnly(year, 12, 31) < today ? new DateOnly(year, 12, 31) : today;
        var facts = await EvaluationFacts.LoadAsync(db, from, to, defaultRatedHours, now, cancellationToken);
        var ids = facts.Select(f => f.UnitId).ToList();
        var units = await db.Units.AsNoTracking().Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, cancellationToken);

        var max = (External: facts.Select(f => PerInstrument(f.Rates?.ExternalHours ?? 0, f)).DefaultIfEmpty(0).Max(), County: facts.Max(f => (double?)f.CountyHours) ?? 0,
            Vouchers: facts.Max(f => (double?)f.VoucherServices) ?? 0);
        var scored = facts.Select(f =>
        {
            var indicators = Indicators(f, rules, max);
            var score = Math.Round(100 * EvaluationRules.Indicators.Sum(k => rules.Weight(k) * indicators[k]) / rules.Weights.Values.Sum(), 2);
            return (Fact: f, Indicators: indicators, Score: score);
        }).OrderByDescending(x => x.Score).ThenBy(x => x.Fact.UnitId, StringComparer.Ordinal).ToList();

        var allowed = (int)Math.Floor(scored.Count * (decimal)rules.ExcellentShare);
        var excellent = ExcellentUnits(scored.Select(x => (x.Fact.UnitId, x.Score)).ToList(), allowed, rules.Bands.Good);
        var lines = new List<UnitEvaluation>();
        foreach (var x in scored)
        {
            var unit = units.GetValueOrDefault(x.Fact.UnitId);
            var band = excellent.Contains(x.Fact.UnitId) ? Excellent : x.Score >= rules.Bands.Good ? Good : x.Score >= rules.Bands.Pass ? Pass : Poor;
            var provincial = IsProvincialUniversityOrInstitute(unit);
            var subsidy = !provincial ? (double?)null : band == Excellent ? rules.InsuranceSubsidy.Excellent : band == Good ? rules.InsuranceSubsidy.Good : 0;
            var classes = band == Poor
                ? await EvaluationFacts.PoorlySharedGeneralClassesAsync(db, x.Fact.UnitId, from, to, rules.PoorlySharedClassRate, defaultRatedHours, now, cancellationToken)
                : [];
            var f = x.Fact;
            lines.Add(new UnitEvaluation(1 + scored.Count(o => o.Score > x.Score), f.UnitId, unit?.Name ?? f.UnitId, Wire(unit?.Type ?? UnitType.Other), provincial,
                f.Instruments, f.ServiceInfoComplete, f.OnboardedInYear, f.LateOnboardings, f.WithSensor, f.Rates?.EffectiveHours ?? 0,
                f.Rates?.ExternalHours ?? 0, f.Rates?.RatedHours ?? 0, f.Rates?.UsageRate, f.Rates?.SharingRate, f.CountyRecords, Math.Round(f.CountyHours, 2),
                f.VoucherServices, f.RatedServices, f.AverageRating is { } r ? Math.Round(r, 2) : null, f.OpenAlerts, f.ExplainedAlerts, x.Indicators,
                x.Score, band, subsidy, classes));
        }
        return new EvaluationReport(year, from, to, now, lines.Count, allowed, excellent.Count, EvaluationReport.TieRuleText, rules, lines);
    }

    /// <summary>
    /// The best units, at most <paramref name="allowed"/>, each scoring at least the good band. The units sharing the
    /// score at the cut are all in or all out: out when they do not all fit.
    /// </summary>
    internal static HashSet<string> ExcellentUnits(IReadOnlyList<(string UnitId, double Score)> best, int allowed, double goodScore)
    {
        var chosen = best.Take(allowed).Where(x => x.Score >= goodScore).ToList();
        if (chosen.Count == allowed && allowed > 0 && allowed < best.Count && best[allowed].Score == best[allowed - 1].Score)
        {
            var cut = best[allowed - 1].Score;
            chosen.RemoveAll(x => x.Score == cut);
        }
        return chosen.Select(x => x.UnitId).ToHashSet(StringComparer.Ordinal);
    }

    private static Dictionary<string, double> Indicators(EvaluationFact f, EvaluationRules rules, (double External, double County, double Vouchers) max) => new()
    {
        ["serviceInfoComplete"] = Share(f.ServiceInfoComplete, f.Instruments),
        ["onboardedOnTime"] = f.OnboardedInYear == 0 ? 1 : Math.Round(1 - (double)f.LateOnboardings / f.OnboardedInYear, 4),
        ["sensorCoverage"] = Share(f.WithSensor, f.Instruments),
        ["usageRate"] = Math.Round(Math.Min(1, (f.Rates?.UsageRate ?? 0) / rules.UsageRateTarget), 4),
        ["sharingRate"] = Math.Round(Math.Min(1, (f.Rates?.SharingRate ?? 0) / rules.SharingRateTarget), 4),
        ["externalHours"] = Share(PerInstrument(f.Rates?.ExternalHours ?? 0, f), max.External),
        ["countyService"] = Share(f.CountyHours, max.County),
        ["voucherServices"] = Share(f.VoucherServices, max.Vouchers),
        ["rating"] = Math.Round((f.AverageRating ?? 0) / 5, 4),
        ["alertsAnswered"] = f.OpenAlerts == 0 ? 1 : Share(f.ExplainedAlerts, f.OpenAlerts),
    };

    private static double PerInstrument(double value, EvaluationFact f) => f.Instruments == 0 ? 0 : value / f.Instruments;

    private static double Share(double part, double whole) => whole <= 0 ? 0 : Math.Round(part / whole, 4);

    /// <summary>
    /// 省属 (the unit's registered <c>provinceOwned</c>, docs/reports.md) and a university or an institute: rule 13
    /// subsidises only these.
    /// </summary>
    internal static bool IsProvincialUniversityOrInstitute(Unit? unit) =>
        unit is { ProvinceOwned: true, Type: UnitType.University or UnitType.Institute };

    private static string Wire(UnitType type) => WireNames<UnitType>.ToWire(type);
}
