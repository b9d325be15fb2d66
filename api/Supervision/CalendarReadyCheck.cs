using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Api.Operations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DxyqOpenData.Api.Supervision;

/// <summary>
/// Degraded (still 200) while the calendar lacks a year a deadline computed today may reach, or any stored deadline is
/// provisional: the node keeps serving, and says by name which notice to import.
/// </summary>
internal sealed class CalendarReadyCheck(CatalogDbContext db, TimeProvider clock) : IHealthCheck
{
    public const string Name = "calendar";

    /// <summary>This year and the year three months on: 30 working days never reach further, whatever the holidays.</summary>
    public static IReadOnlyList<int> YearsNeeded(DateOnly today) => new[] { today.Year, today.AddMonths(3).Year }.Distinct().ToList();

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var calendar = await CalendarStore.LoadAsync(db, cancellationToken);
        var missing = YearsNeeded(BeijingTime.DateOf(clock.GetUtcNow())).Where(y => !calendar.Holds(y)).ToList();
        var provisional = await CountProvisionalAsync(db, cancellationToken);
        var data = new Dictionary<string, object>
        {
            ["years"] = calendar.Years.Order().ToArray(),
            ["missingYears"] = missing.ToArray(),
            ["provisionalDeadlines"] = provisional,
        };
        if (missing.Count == 0 && provisional == 0)
        {
            return HealthCheckResult.Healthy("The calendar holds every year the deadlines count.", data);
        }
        var years = missing.Count > 0 ? $"lacks {string.Join(", ", missing)}" : "lacks a year some deadlines count";
        return HealthCheckResult.Degraded(
            $"The working-day calendar {years}: {provisional} deadline(s) are provisional (weekdays counted as working days). " +
            "Import the year's notice: `calendar import FILE` or PUT /api/v1/calendar/years/{year}.", data: data);
    }

    /// <summary>Instruments with a provisional deadline; also exported as a metric.</summary>
    public static async Task<int> CountProvisionalAsync(CatalogDbContext db, CancellationToken cancellationToken)
    {
        var count = await db.Instruments.IgnoreQueryFilters([Instrument.PublishedFilter])
            .CountAsync(i => i.OnboardingDueProvisional || i.SensorDueProvisional, cancellationToken);
        NodeMetrics.ProvisionalDeadlines.Set(count);
        return count;
    }
}
