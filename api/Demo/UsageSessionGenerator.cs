using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.UsageSessions;

namespace DxyqOpenData.Api.Demo;

/// <summary>
/// Machine hours from the sensors over the last 90 days: at most one run a day, mostly started in the working day
/// (China time), fewer at weekends, some overnight; the latest run ends when the instrument was last seen.
/// </summary>
internal sealed class UsageSessionGenerator(DemoWorld world, IReadOnlyList<InstrumentPlan> plans)
{
    public const int Days = 90;

    public IEnumerable<UsageSession> Generate()
    {
        foreach (var plan in plans)
        {
            if (plan.Sensor is not { InstalledAt: { } installed } sensor || !plan.Supervised || plan.LastActiveAt is not { } lastActive)
            {
                continue;
            }
            var windowStart = new[] { world.Now.AddDays(-Days), installed }.Max();
            if (lastActive <= windowStart)
            {
                continue; // idle for longer than the window
            }
            var random = world.Random(9, plan.Index);
            var daily = Math.Min(0.9, 0.2 * plan.Weight);
            UsageSession latest;
            if (plan.Running)
            {
                var started = world.Now.AddMinutes(-random.Next(20, 480));
                latest = Session(random, plan, sensor.Id, started, null);
            }
            else
            {
                var minutes = Duration(random, night: false);
                latest = Session(random, plan, sensor.Id, lastActive.AddMinutes(-minutes), lastActive);
            }
            yield return latest;
            var nextStart = latest.StartedAt;
            for (var day = DateOnly.FromDateTime(nextStart).AddDays(-1); day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc) >= windowStart; day = day.AddDays(-1))
            {
                var weekend = day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
                if (!random.Chance(weekend ? daily * 0.35 : daily))
                {
                    continue;
                }
                var night = random.Chance(0.1);
                var hour = night ? random.Uniform(18, 22) : random.Chance(0.75) ? random.Uniform(8, 11.5) : random.Uniform(13, 16.5);
                var start = DemoWorld.LocalToUtc(day, Math.Round(hour * 60) / 60);
                var end = new[] { start.AddMinutes(Duration(random, night)), nextStart.AddMinutes(-10) }.Min();
                if (end <= start.AddMinutes(10))
                {
                    continue;
                }
                yield return Session(random, plan, sensor.Id, start, end);
                nextStart = start;
            }
        }
    }

    private static int Duration(DemoRandom random, bool night) =>
        (int)Math.Clamp(random.LogNormal(night ? 600 : 170, 0.6), 15, 20 * 60);

    private UsageSession Session(DemoRandom random, InstrumentPlan plan, string sensorId, DateTime started, DateTime? ended) => new()
    {
        Id = random.NextGuid(),
        UnitId = plan.Instrument.UnitId,
        InstrumentId = plan.Instrument.Id,
        SensorId = sensorId,
        StartedAt = started,
        EndedAt = ended,
        Hours = Math.Round(((ended ?? world.Now) - started).TotalHours, 4),
        Source = SessionSource.Sensor,
        EndReason = ended is null ? SessionEnd.Open : random.Chance(0.07) ? SessionEnd.Offline : SessionEnd.StateChange,
    };
}
