using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.ServiceRecords;
using DxyqOpenData.Api.Data.Reference;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Api.Supervision;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Reports;

/// <summary>What the evaluation counts per unit over a period, each figure counted by the database in one grouped query.</summary>
public sealed record EvaluationFact(
    string UnitId, int Instruments, int ServiceInfoComplete, int OnboardedInYear, int LateOnboardings, int WithSensor,
    int CountyRecords, double CountyHours, int VoucherServices, int RatedServices, double? AverageRating, int OpenAlerts, int ExplainedAlerts,
    UtilizationRow? Rates);

internal static class EvaluationFacts
{
    /// <summary>
    /// Instruments evaluated: onboarded before the period ends, not confidential, not scrapped before it starts. Records:
    /// those started in the period. Alerts: those open at the end of the period (raised before it, resolved after it).
    /// </summary>
    public static async Task<List<EvaluationFact>> LoadAsync(CatalogDbContext db, DateOnly from, DateOnly to, double defaultRatedHours,
        DateTime now, CancellationToken cancellationToken)
    {
        var start = BeijingTime.StartOf(from);
        var end = BeijingTime.StartOf(to.AddDays(1));
        var instruments = await InScope(db, from, end).GroupBy(i => i.UnitId).Select(g => new
        {
            UnitId = g.Key,
            Count = g.Count(),
            Complete = g.Count(i => i.ServiceInfoCompletedAt != null && i.ServiceInfoCompletedAt < end),
            Onboarded = g.Count(i => i.OnboardedAt >= start),
            Late = g.Count(i => i.OnboardedAt >= start && i.OnboardingLateDays > 0),
            Sensors = g.Count(i => i.SensorId != null && (i.SensorInstalledAt == null || i.SensorInstalledAt < end)),
        }).ToListAsync(cancellationToken);

        var counties = Regions.Default.MountainCounties.Select(c => c.Code).ToList();
        var records = await db.ServiceRecords.AsNoTracking().Where(r => r.StartedAt >= start && r.StartedAt < end).GroupBy(r => r.UnitId).Select(g => new
        {
            UnitId = g.Key,
            CountyRecords = g.Count(r => r.UserRegionCode != null && counties.Contains(r.UserRegionCode)),
            CountyHours = g.Sum(r => r.UserRegionCode != null && counties.Contains(r.UserRegionCode) ? r.Hours : 0.0),
            Vouchers = g.Count(r => r.PaymentMethod == PaymentMethod.Voucher),
            Rated = g.Count(r => r.Rating != null),
            Rating = g.Average(r => (double?)r.Rating),
        }).ToDictionaryAsync(x => x.UnitId, cancellationToken);

        var alerts = await db.Alerts.AsNoTracking().Where(a => a.RaisedAt < end && (a.ResolvedAt == null || a.ResolvedAt >= end)).GroupBy(a => a.UnitId)
            .Select(g => new { UnitId = g.Key, Open = g.Count(), Explained = g.Count(a => a.ExplainedAt != null && a.ExplainedAt < end) })
            .ToDictionaryAsync(x => x.UnitId, cancellationToken);

        var rates = (await UtilizationReport.RunAsync(db, UtilizationGrouping.Unit, from, to, null, defaultRatedHours, now, cancellationToken))
            .ToDictionary(r => r.Key);
        return instruments.Select(i =>
        {
            var r = records.GetValueOrDefault(i.UnitId);
            var a = alerts.GetValueOrDefault(i.UnitId);
            return new EvaluationFact(i.UnitId, i.Count, i.Complete, i.Onboarded, i.Late, i.Sensors, r?.CountyRecords ?? 0, r?.CountyHours ?? 0,
                r?.Vouchers ?? 0, r?.Rated ?? 0, r?.Rating, a?.Open ?? 0, a?.Explained ?? 0, rates.GetValueOrDefault(i.UnitId));
        }).ToList();
    }

    /// <summary>The unit's general-purpose classes whose sharing rate over the period is below the rule-15 rate (or unmeasured).</summary>
    public static async Task<List<string>> PoorlySharedGeneralClassesAsync(CatalogDbContext db, string unitId, DateOnly from, DateOnly to,
        double poorRate, double defaultRatedHours, DateTime now, CancellationToken cancellationToken)
    {
        var end = BeijingTime.StartOf(to.AddDays(1));
        var general = await InScope(db, from, end).Where(i => i.UnitId == unitId && i.InstrumentType == InstrumentType.General)
            .Select(i => i.CategoryCode).Distinct().ToListAsync(cancellationToken);
        var rates = await UtilizationReport.RunAsync(db, UtilizationGrouping.Category, from, to, unitId, defaultRatedHours, now, cancellationToken);
        return rates.Where(r => general.Contains(r.Key) && (r.SharingRate is null || r.SharingRate < poorRate)).Select(r => r.Key).Order(StringComparer.Ordinal).ToList();
    }

    private static IQueryable<Instrument> InScope(CatalogDbContext db, DateOnly from, DateTime end) =>
        db.Instruments.IgnoreQueryFilters([Instrument.PublishedFilter]).AsNoTracking()
            .Where(i => i.OnboardedAt != null && i.OnboardedAt < end && !i.IsConfidential && (i.ScrappedOn == null || i.ScrappedOn >= from));
}
