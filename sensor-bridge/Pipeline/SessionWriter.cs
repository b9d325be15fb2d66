using DxyqOpenData.SensorBridge.Processing;
using DxyqOpenData.SensorBridge.Readings;
using Microsoft.Extensions.Logging;

namespace DxyqOpenData.SensorBridge.Pipeline;

/// <summary>
/// The sessions' side, run by the one bridge holding the sessions' lease: reads the stored readings in the order they
/// were stored (whichever bridge stored them), runs them through the engine's dedup, reorder window and sessionizer, and
/// stores sessions, run states and late readings' dead letters together with its position in the stored readings
/// (docs/sensors.md, "Several bridges"). The only thread that touches its engine.
/// </summary>
public sealed class SessionWriter(
    BridgeEngine engine,
    SinkCall sink,
    SensorBridgeOptions options,
    BridgeMetrics metrics,
    TimeProvider clock,
    ILogger logger)
{
    private DateTime _nextReload;
    private DateTime _nextAdvance;
    private DateTime _nextRunStates;
    private DateTime _nextUnknownReload;
    private readonly Dictionary<string, RunStateUpdate> _heldRunStates = [];
    private readonly Dictionary<string, RunStateKind?> _storedStates = [];

    /// <summary>
    /// Runs until <paramref name="stop"/>, then passes on what waits in the windows and returns true; returns false as
    /// soon as another bridge has moved the position (it took the sessions over: this one's state is stale).
    /// </summary>
    public async Task<bool> RunAsync(CancellationToken stop)
    {
        long position = 0;
        await sink(async s => position = await s.SessionsPositionAsync(stop));
        await ReloadAsync(stop);
        var window = TimeSpan.FromSeconds(options.ReorderWindowSeconds);
        var settle = TimeSpan.FromMilliseconds(options.SessionSettleMilliseconds);
        while (true)
        {
            var stopping = stop.IsCancellationRequested;
            IReadOnlyList<StoredReading> stored = [];
            await sink(async s => stored = await s.ReadReadingsAsync(position, options.BatchSize, CancellationToken.None));
            // A sensor registered since the last reload: its bridge knew it (the readings are stored), so reload now.
            if (stored.Any(r => !engine.Knows(r.Reading.SensorId)) && Now >= _nextUnknownReload)
            {
                await ReloadAsync(stop);
                _nextUnknownReload = Now + TimeSpan.FromSeconds(1);
            }
            var now = Now;
            var batch = new BatchBuilder();
            foreach (var reading in stored) engine.Offer(reading.Reading, now, batch);
            var to = stored.Count > 0 ? stored[^1].Position : position;
            // The windows move at most every tenth of the window (at most 1 s): moving 11,000 sensors' windows for every
            // read of a busy stream costs more than it brings. On the way out everything waiting is passed on.
            if (stopping || now >= _nextAdvance)
            {
                engine.Advance(stopping ? now + window + settle : now, batch);
                _nextAdvance = now + TimeSpan.FromTicks(Math.Min(TimeSpan.TicksPerSecond, window.Ticks / 10));
            }
            var built = HoldRunStates(batch.Build(), now, stopping);
            if (!built.IsEmpty || to != position)
            {
                if (!await WriteAsync(built, position, to)) return false;
                position = to;
            }
            if (stopping) return true;
            if (Now >= _nextReload) await ReloadAsync(stop);
            if (stored.Count < options.BatchSize)
            {
                try { await Task.Delay(TimeSpan.FromMilliseconds(options.BatchDelayMilliseconds), clock, stop); }
                catch (OperationCanceledException) { }
            }
        }
    }

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>
    /// Run states go to the sink when they change (a sensor's first, or a state other than the one last passed on) and
    /// otherwise, for last-seen times only, every <c>RunStateIntervalSeconds</c>: a busy sensor does not cost a
    /// row update per batch. Everything held is passed on with the last batch.
    /// </summary>
    private Batch HoldRunStates(Batch batch, DateTime now, bool completed)
    {
        if (batch.RunStates.Count == 0 && _heldRunStates.Count == 0) return batch;
        foreach (var update in batch.RunStates) _heldRunStates[update.SensorId] = update;
        List<RunStateUpdate> passed;
        if (completed || now >= _nextRunStates)
        {
            passed = [.. _heldRunStates.Values];
            _nextRunStates = now + TimeSpan.FromSeconds(options.RunStateIntervalSeconds);
        }
        else
        {
            passed = [.. _heldRunStates.Values.Where(u => !_storedStates.TryGetValue(u.SensorId, out var stored) || stored != u.State)];
        }
        foreach (var update in passed)
        {
            _heldRunStates.Remove(update.SensorId);
            _storedStates[update.SensorId] = update.State;
        }
        return batch with { RunStates = passed };
    }

    /// <summary>Stores the batch with the position, retrying until it is stored; false when the position moved under it.</summary>
    private async Task<bool> WriteAsync(Batch batch, long from, long to)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var written = false;
                await sink(async s => written = await s.WriteSessionsAsync(batch, from, to, CancellationToken.None));
                if (!written) return false;
                break;
            }
            catch (Exception e)
            {
                var delay = TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, attempt - 1)));
                logger.LogError(e, "Sensor sessions not stored (attempt {Attempt}); retrying in {Delay}", attempt, delay);
                await Task.Delay(delay, clock);
            }
        }
        foreach (var _ in batch.Opened) metrics.SessionOpened();
        foreach (var closed in batch.Closed) metrics.SessionClosed(closed.Reason == SessionEndReason.Offline ? "offline" : "stateChange");
        return true;
    }

    private async Task ReloadAsync(CancellationToken stop)
    {
        try
        {
            IReadOnlyDictionary<string, SensorInfo>? sensors = null;
            await sink(async s => sensors = await s.LoadSensorsAsync(CancellationToken.None));
            engine.UseSensors(sensors!);
        }
        catch (Exception e) when (!stop.IsCancellationRequested && _nextReload != default)
        {
            logger.LogWarning(e, "Could not reload sensors for the sessions; keeping the current list");
        }
        _nextReload = Now + TimeSpan.FromSeconds(options.SensorReloadSeconds);
    }
}
