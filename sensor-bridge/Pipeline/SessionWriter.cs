using DxyqOpenData.SensorBridge.Processing;
using DxyqOpenData.SensorBridge.Readings;
using Microsoft.Extensions.Logging;

namespace DxyqOpenData.SensorBridge.Pipeline;

/// <summary>
/// The sessions' side, run by the one bridge holding the sessions' lease: reads the stored readings in the order they
/// were stored (whichever bridge stored them), runs them through the engine's dedup, reorder window and sessionizer, and
/// every <c>RunStateIntervalSeconds</c> stores what came of them — sessions, every sensor's run state and newest reading
/// taken in, <c>late</c> dead letters — together with its position: the position of the oldest reading still waiting in
/// a window, less one (docs/sensors.md, "Several bridges"). So a bridge that takes over from one that died reads again
/// what that one held, skips what its stored sessions already have, and loses nothing. The only thread that touches its
/// engine.
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
    private DateTime _nextWrite;
    private DateTime _nextUnknownReload;

    /// <summary>
    /// Runs until <paramref name="stop"/>, then passes on what waits in the windows and returns true; returns false as
    /// soon as another bridge has moved the position (it took the sessions over: this one's state is stale).
    /// </summary>
    public async Task<bool> RunAsync(CancellationToken stop)
    {
        long stored = 0;
        await sink(async s => stored = await s.SessionsPositionAsync(stop));
        var read = stored;
        await ReloadAsync(stop);
        var window = TimeSpan.FromSeconds(options.ReorderWindowSeconds);
        var settle = TimeSpan.FromMilliseconds(options.SessionSettleMilliseconds);
        var batch = new BatchBuilder();
        while (true)
        {
            var stopping = stop.IsCancellationRequested;
            IReadOnlyList<StoredReading> readings = [];
            await sink(async s => readings = await s.ReadReadingsAsync(read, options.BatchSize, CancellationToken.None));
            // A sensor registered since the last reload: its bridge knew it (the readings are stored), so reload now.
            if (readings.Any(r => !engine.Knows(r.Reading.SensorId)) && Now >= _nextUnknownReload)
            {
                await ReloadAsync(stop);
                _nextUnknownReload = Now + TimeSpan.FromSeconds(1);
            }
            var now = Now;
            foreach (var reading in readings) engine.Offer(reading.Reading, now, batch, reading.Position);
            if (readings.Count > 0) read = readings[^1].Position;
            // The windows move at most every tenth of the window (at most 1 s): moving 11,000 sensors' windows for every
            // read of a busy stream costs more than it brings. On the way out everything waiting is passed on.
            if (stopping || now >= _nextAdvance)
            {
                engine.Advance(stopping ? now + window + settle : now, batch);
                _nextAdvance = now + TimeSpan.FromTicks(Math.Min(TimeSpan.TicksPerSecond, window.Ticks / 10));
            }
            // Stored all at once, every RunStateIntervalSeconds: a busy sensor costs a row update per interval, not per
            // read, and what is stored is always what the readings up to the stored position (and those of each sensor
            // up to its newest taken in) made.
            if (stopping || now >= _nextWrite)
            {
                var built = batch.Build();
                var to = engine.OldestWaiting is { } waiting ? waiting - 1 : read;
                if (!built.IsEmpty || to != stored)
                {
                    if (!await WriteAsync(built, stored, to)) return false;
                    stored = to;
                }
                batch = new BatchBuilder();
                _nextWrite = now + TimeSpan.FromSeconds(options.RunStateIntervalSeconds);
            }
            if (stopping) return true;
            if (Now >= _nextReload) await ReloadAsync(stop);
            if (readings.Count < options.BatchSize)
            {
                try { await Task.Delay(TimeSpan.FromMilliseconds(options.BatchDelayMilliseconds), clock, stop); }
                catch (OperationCanceledException) { }
            }
        }
    }

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

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
