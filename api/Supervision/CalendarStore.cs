using System.Text.Json;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Data.Reference;
using DxyqOpenData.Api.Instruments;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Supervision;

/// <summary>A notice that cannot be stored, with every failing field.</summary>
public sealed class CalendarNoticeException(IReadOnlyList<(string Path, string Message)> problems)
    : Exception(string.Join("; ", problems.Select(p => $"{p.Path}: {p.Message}")))
{
    public IReadOnlyList<(string Path, string Message)> Problems { get; } = problems;
}

/// <summary>What an import changed: the years stored and the instruments whose deadlines moved.</summary>
public sealed record CalendarImportResult(IReadOnlyList<int> Years, int InstrumentsRecomputed);

/// <summary>
/// The working-day calendar in the database (<c>calendar_years</c>): read fresh by every rule that counts working days
/// (a handful of rows), so a year imported on one node counts on every node at once, without a restart.
/// </summary>
public static class CalendarStore
{
    public static async Task<WorkingCalendar> LoadAsync(CatalogDbContext db, CancellationToken cancellationToken)
    {
        var rows = await db.Set<CalendarYear>().AsNoTracking().Select(y => y.Notice).ToListAsync(cancellationToken);
        return new WorkingCalendar(rows.Select(r => JsonSerializer.Deserialize<CalendarNotice>(r, JsonSerializerOptions.Web)!));
    }

    /// <summary>Stores the shipped file's years the database lacks (never overwriting an imported notice).</summary>
    public static async Task SeedAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
        IReadOnlyList<CalendarNotice> shipped;
        await using (var stream = File.OpenRead(WorkingCalendar.ShippedPath))
        {
            shipped = CalendarNotice.ReadFile(stream);
        }
        var held = await db.Set<CalendarYear>().Select(y => y.Year).ToListAsync(cancellationToken);
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        foreach (var notice in shipped.Where(n => !held.Contains(n.Year)))
        {
            db.Add(new CalendarYear { Year = notice.Year, Notice = JsonSerializer.Serialize(notice, JsonSerializerOptions.Web), Source = "shipped", UpdatedAt = now });
        }
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another node seeded the same years at the same moment: theirs are as good as ours.
        }
    }

    /// <summary>
    /// Stores the notices (replacing those years) and recomputes, in the same transaction, every instrument deadline
    /// that counts a day of a changed year. Throws <see cref="CalendarNoticeException"/> before writing anything when a
    /// notice is wrong.
    /// </summary>
    public static async Task<CalendarImportResult> ImportAsync(CatalogDbContext db, IReadOnlyList<CalendarNotice> notices, DateTime now, CancellationToken cancellationToken)
    {
        var problems = notices.SelectMany((n, i) => n.Problems().Select(p => ($"years[{i}].{p.Path}", p.Message))).ToList();
        problems.AddRange(notices.GroupBy(n => n.Year).Where(g => g.Count() > 1).Select(g => ("years", $"Year {g.Key} appears {g.Count()} times.")));
        if (notices.Count == 0)
        {
            problems.Add(("years", "No year to import."));
        }
        if (problems.Count > 0)
        {
            throw new CalendarNoticeException(problems);
        }
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var years = notices.Select(n => n.Year).ToList();
            var existing = await db.Set<CalendarYear>().AsTracking().Where(y => years.Contains(y.Year)).ToDictionaryAsync(y => y.Year, cancellationToken);
            foreach (var notice in notices)
            {
                var json = JsonSerializer.Serialize(notice, JsonSerializerOptions.Web);
                if (existing.TryGetValue(notice.Year, out var row))
                {
                    row.Notice = json;
                    row.Source = "imported";
                    row.UpdatedAt = now;
                }
                else
                {
                    db.Add(new CalendarYear { Year = notice.Year, Notice = json, Source = "imported", UpdatedAt = now });
                }
            }
            await db.SaveChangesAsync(cancellationToken);
            var recomputed = await RecomputeAsync(db, await LoadAsync(db, cancellationToken), years, now, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            db.ChangeTracker.Clear();
            return new CalendarImportResult(years.Order().ToList(), recomputed);
        });
    }

    /// <summary>Recomputes the deadlines whose span (acceptance to due, onboarding to due, due to onboarding) touches one of <paramref name="years"/>.</summary>
    private static async Task<int> RecomputeAsync(CatalogDbContext db, WorkingCalendar calendar, IReadOnlyList<int> years, DateTime now, CancellationToken cancellationToken)
    {
        var instruments = db.Instruments.IgnoreQueryFilters([Instrument.PublishedFilter]);
        var changed = 0;
        foreach (var year in years)
        {
            var first = new DateOnly(year, 1, 1);
            var last = new DateOnly(year, 12, 31);
            var firstInstant = BeijingTime.StartOf(first);
            var afterInstant = BeijingTime.StartOf(last.AddDays(1));
            var touched = await instruments.AsNoTracking()
                .Where(i => (i.AcceptanceDate <= last && i.OnboardingDueDate >= first)
                    || (i.OnboardedAt != null && i.OnboardedAt < afterInstant && i.SensorDueDate >= first)
                    || (i.OnboardedAt != null && i.OnboardedAt >= firstInstant && i.OnboardingDueDate <= last))
                .ToListAsync(cancellationToken);
            foreach (var instrument in touched.Where(i => InstrumentDeadlines.Apply(i, calendar)))
            {
                changed++;
                await instruments.Where(i => i.Id == instrument.Id).ExecuteUpdateAsync(u => u
                    .SetProperty(i => i.OnboardingDueDate, instrument.OnboardingDueDate)
                    .SetProperty(i => i.OnboardingDueProvisional, instrument.OnboardingDueProvisional)
                    .SetProperty(i => i.OnboardingLateDays, instrument.OnboardingLateDays)
                    .SetProperty(i => i.SensorDueDate, instrument.SensorDueDate)
                    .SetProperty(i => i.SensorDueProvisional, instrument.SensorDueProvisional)
                    .SetProperty(i => i.ServiceInfoDueDate, instrument.ServiceInfoDueDate)
                    .SetProperty(i => i.UpdatedAt, now), cancellationToken);
            }
        }
        return changed;
    }
}
