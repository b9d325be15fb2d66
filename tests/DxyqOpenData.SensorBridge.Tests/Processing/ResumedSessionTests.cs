using CsCheck;
using DxyqOpenData.SensorBridge.Processing;
using DxyqOpenData.SensorBridge.Readings;
using DxyqOpenData.SensorBridge.Tests.Infrastructure;

namespace DxyqOpenData.SensorBridge.Tests.Processing;

/// <summary>
/// A session left open in storage is carried on whatever storage says about its sensor: a last-seen time before the
/// session began (the demo's offline sensors with a running instrument gave 46 sessions negative hours), none at all,
/// or a backlog of readings older than the session. Generated: every session closes once, never before it began, with
/// hours = end − start rounded to 4 places.
/// </summary>
public sealed class ResumedSessionTests
{
    private static readonly DateTime Start = new(2026, 3, 1, 2, 0, 0, DateTimeKind.Utc);

    private sealed record Case(int? LastSeenMinutes, (int Seconds, RunStateKind State)[] Readings);

    private static readonly Gen<Case> Cases = Gen.Select(
        Gen.Int[-3 * 24 * 60, 180].Select(Gen.Bool, (m, known) => known ? m : (int?)null),
        Gen.Select(Gen.Int[-2 * 3600, 4 * 3600], Gen.Enum<RunStateKind>()).Array[0, 40],
        (lastSeen, readings) => new Case(lastSeen, readings));

    [Fact]
    public void Every_resumed_session_closes_once_and_never_before_it_began()
    {
        Cases.Sample(c =>
        {
            var sensor = new SensorInfo("S1", "I1", "canonical", EngineDriver.Heartbeat, OpenSessionStartedAt: Start,
                LastReadingAt: c.LastSeenMinutes is { } m ? Start.AddMinutes(m) : null);
            var driver = new EngineDriver(sensors: [sensor]);
            var now = Start.AddHours(5);
            driver.Advance(now);
            foreach (var (seconds, state) in c.Readings.OrderBy(r => r.Seconds)) driver.Send(Start.AddSeconds(seconds), state, at: now);
            driver.Advance(now.AddHours(1));
            driver.Advance(now.AddHours(2));

            Assert.All(driver.Closed, s =>
            {
                Assert.True(s.EndedAt >= s.StartedAt, $"{s.StartedAt:O} → {s.EndedAt:O}");
                Assert.Equal(Math.Round((s.EndedAt - s.StartedAt).TotalHours, 4), s.Hours);
            });
            Assert.Single(driver.Closed, s => s.StartedAt == Start);
            // Nothing stays open: the sensor fell silent.
            Assert.Equal(driver.Opened.Count + 1, driver.Closed.Count);
        }, iter: 300);
    }
}
