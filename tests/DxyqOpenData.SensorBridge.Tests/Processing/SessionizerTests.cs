using CsCheck;
using DxyqOpenData.SensorBridge.Processing;
using DxyqOpenData.SensorBridge.Readings;
using DxyqOpenData.SensorBridge.Tests.Infrastructure;

namespace DxyqOpenData.SensorBridge.Tests.Processing;

public sealed class SessionizerTests
{
    private static readonly DateTime Eight = new(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc); // 08:00 Beijing

    /// <summary>A reading every 30 s (heartbeat 60 s) in the given state from <paramref name="from"/> for <paramref name="minutes"/>.</summary>
    private static IEnumerable<(DateTime, RunStateKind)> Every30s(DateTime from, int minutes, RunStateKind state) =>
        Enumerable.Range(0, minutes * 2).Select(i => (from.AddSeconds(30 * i), state));

    [Fact]
    public void Running_to_standby_is_one_session_of_the_hours_between()
    {
        var driver = new EngineDriver();
        var stream = Every30s(Eight.AddMinutes(-5), 5, RunStateKind.Off)
            .Concat(Every30s(Eight, 120, RunStateKind.Running))
            .Concat(Every30s(Eight.AddHours(2), 5, RunStateKind.Standby));
        foreach (var (t, state) in stream) driver.Send(t, state);
        driver.Advance(Eight.AddHours(3));

        var session = Assert.Single(driver.Closed);
        Assert.Equal((Eight, Eight.AddHours(2), SessionEndReason.StateChange, 2.0), (session.StartedAt, session.EndedAt, session.Reason, session.Hours));
        Assert.Equal(("S1", "I1"), (session.SensorId, session.InstrumentId));
        Assert.Single(driver.Opened);
    }

    [Fact]
    public void Silence_past_the_heartbeat_closes_as_offline_at_the_last_reading()
    {
        var driver = new EngineDriver();
        foreach (var (t, state) in Every30s(Eight, 60, RunStateKind.Running)) driver.Send(t, state);
        var last = Eight.AddMinutes(60).AddSeconds(-30);

        driver.Advance(last.AddSeconds(30 + 60)); // window + heartbeat: not yet past
        Assert.Empty(driver.Closed);
        driver.Advance(last.AddSeconds(30 + 61));

        var session = Assert.Single(driver.Closed);
        Assert.Equal((Eight, last, SessionEndReason.Offline), (session.StartedAt, session.EndedAt, session.Reason));
    }

    [Fact]
    public void A_gap_in_running_splits_the_run_into_an_offline_session_and_a_new_one()
    {
        var driver = new EngineDriver();
        foreach (var (t, state) in Every30s(Eight, 60, RunStateKind.Running).Concat(Every30s(Eight.AddMinutes(65), 55, RunStateKind.Running)))
            driver.Send(t, state);
        driver.Send(Eight.AddHours(2), RunStateKind.Off);
        driver.Advance(Eight.AddHours(3));

        Assert.Equal(
            [(Eight, Eight.AddMinutes(59.5), SessionEndReason.Offline), (Eight.AddMinutes(65), Eight.AddHours(2), SessionEndReason.StateChange)],
            driver.Closed.Select(c => (c.StartedAt, c.EndedAt, c.Reason)));
    }

    [Fact]
    public void A_session_left_open_by_a_previous_run_closes_offline_when_the_sensor_stays_silent()
    {
        var sensor = new SensorInfo("S1", "I1", "canonical", TimeSpan.FromSeconds(60), OpenSessionStartedAt: Eight, LastReadingAt: Eight.AddHours(1));
        var driver = new EngineDriver(sensors: [sensor]);
        driver.Advance(Eight.AddHours(2)); // the bridge starts; the sensor gets window + heartbeat to speak
        Assert.Empty(driver.Closed);
        driver.Advance(Eight.AddHours(2).AddSeconds(91));

        var session = Assert.Single(driver.Closed);
        Assert.Equal((Eight, Eight.AddHours(1), SessionEndReason.Offline), (session.StartedAt, session.EndedAt, session.Reason));
    }

    [Fact]
    public void A_replayed_backlog_of_old_readings_is_not_mistaken_for_silence()
    {
        var driver = new EngineDriver();
        var now = Eight.AddHours(5);
        foreach (var (t, state) in Every30s(Eight, 60, RunStateKind.Running)) driver.Send(t, state, at: now);
        driver.Send(Eight.AddHours(1), RunStateKind.Off, at: now);
        driver.Advance(now.AddMinutes(10));

        var session = Assert.Single(driver.Closed);
        Assert.Equal((Eight, Eight.AddHours(1), SessionEndReason.StateChange), (session.StartedAt, session.EndedAt, session.Reason));
    }

    [Fact]
    public void Duplicates_without_seq_are_recognised_by_timestamp()
    {
        var driver = new EngineDriver();
        driver.Send(Eight, RunStateKind.Running);
        driver.Send(Eight, RunStateKind.Running, at: Eight.AddSeconds(5));
        driver.Advance(Eight.AddMinutes(1));
        Assert.Single(driver.Readings);
        Assert.Equal(0, driver.DeadLetters.Total);
    }

    [Fact]
    public void A_reading_later_than_the_window_is_dead_lettered_as_late_and_stored_all_the_same()
    {
        var driver = new EngineDriver();
        var twin = new EngineDriver(); // the same stream without the late reading
        foreach (var d in new[] { driver, twin })
        {
            d.Send(Eight, RunStateKind.Running, seq: 1);
            d.Send(Eight.AddMinutes(2), RunStateKind.Running, seq: 3);
        }
        driver.Send(Eight.AddMinutes(-1), RunStateKind.Off, seq: 0, at: Eight.AddMinutes(3));
        twin.Advance(Eight.AddMinutes(3));
        Assert.Equal("late", Assert.Single(driver.DeadLetters.Snapshot()).Reason);
        // A reading the broker acknowledged is stored even when too late for the sessions, which it does not change.
        Assert.Equal([1L, 3L, 0L], driver.Readings.Select(r => r.Seq!.Value));
        Assert.Equal(twin.Opened, driver.Opened);
        Assert.Equal(twin.Closed, driver.Closed);
    }

    private sealed record Step(int GapSeconds, RunStateKind State, int DelaySeconds, bool Repeat, int RepeatDelaySeconds);

    private static readonly Gen<Step> StepGen = Gen.Select(
        Gen.Int[5, 95], Gen.Enum<RunStateKind>(), Gen.Int[0, 29], Gen.Bool, Gen.Int[0, 29],
        (gap, state, delay, repeat, repeatDelay) => new Step(gap, state, delay, repeat, repeatDelay));

    [Fact]
    public void Duplicates_and_disorder_within_the_window_give_the_sessions_of_the_clean_stream()
    {
        StepGen.List[1, 80].Select(Gen.Bool).Sample((steps, withSeq) =>
        {
            var timestamps = new List<DateTime>();
            var t = Eight;
            foreach (var step in steps) timestamps.Add(t = t.AddSeconds(step.GapSeconds));

            var clean = new EngineDriver();
            for (var i = 0; i < steps.Count; i++) clean.Send(timestamps[i], steps[i].State, withSeq ? i : null);

            var messy = new EngineDriver();
            var arrivals = steps.SelectMany((s, i) => s.Repeat
                    ? new[] { (i, At: timestamps[i].AddSeconds(s.DelaySeconds)), (i, At: timestamps[i].AddSeconds(s.RepeatDelaySeconds)) }
                    : [(i, At: timestamps[i].AddSeconds(s.DelaySeconds))])
                .OrderBy(a => a.At);
            foreach (var (i, at) in arrivals) messy.Send(timestamps[i], steps[i].State, withSeq ? i : null, at);

            var end = t.AddHours(1);
            clean.Advance(end);
            messy.Advance(end);
            return clean.Opened.SequenceEqual(messy.Opened)
                && clean.Closed.SequenceEqual(messy.Closed)
                // Readings are stored as they arrive (the window orders only the sessions): the same set.
                && clean.Readings.SequenceEqual(messy.Readings.OrderBy(r => r.Timestamp))
                && messy.DeadLetters.Total == 0;
        }, iter: 300);
    }
}
