using System.Threading.Channels;
using DxyqOpenData.SensorBridge.Processing;
using DxyqOpenData.SensorBridge.Readings;
using Microsoft.Extensions.Logging;

namespace DxyqOpenData.SensorBridge.Pipeline;

/// <summary>Runs one call against the host's sink (for the service: in a fresh DI scope).</summary>
public delegate Task SinkCall(Func<ISensorSink, Task> call);

/// <summary>
/// Drains the channel the MQTT handlers fill, in batches of up to <c>BatchSize</c> messages or <c>BatchDelay</c>,
/// turns them into readings (the engine's <see cref="BridgeEngine.Accept"/>) and hands each batch to the sink, retrying
/// until it is stored; only then are the batch's messages acknowledged. Sessions are made from the stored readings by
/// <see cref="SessionWriter"/>. The only thread that touches its engine.
/// </summary>
public sealed class BatchWriter(
    ChannelReader<IncomingMessage> reader,
    BridgeEngine engine,
    SensorDirectory directory,
    SinkCall sink,
    SensorBridgeOptions options,
    BridgeMetrics metrics,
    TimeProvider clock,
    ILogger logger)
{
    private DateTime _nextReload;

    public async Task LoadSensorsAsync(CancellationToken cancellationToken)
    {
        IReadOnlyDictionary<string, SensorInfo>? sensors = null;
        await sink(async s => sensors = await s.LoadSensorsAsync(cancellationToken));
        directory.Replace(sensors!);
        engine.UseSensors(sensors!);
        _nextReload = Now + TimeSpan.FromSeconds(options.SensorReloadSeconds);
    }

    /// <summary>
    /// Runs until the channel is completed and drained; <paramref name="abort"/> stops it without draining. One batch
    /// is stored (and then acknowledged) while the next is collected and run through the engine, so parsing and the
    /// database overlap; batches are still stored one at a time, in order.
    /// </summary>
    public async Task RunAsync(CancellationToken abort)
    {
        var storing = Task.CompletedTask;
        while (true)
        {
            var batch = new BatchBuilder();
            var acks = new List<Func<Task>>();
            var completed = await CollectAsync(batch, acks, abort);
            var built = batch.Build();
            await storing;
            // On its own thread: a provider whose async calls complete synchronously (SQLite) would otherwise store
            // the whole batch before the next one is collected.
            storing = Task.Run(() => StoreAsync(built, acks, abort), CancellationToken.None);
            if (completed)
            {
                await storing;
                return;
            }
            if (Now >= _nextReload)
            {
                // The sink is not used concurrently: a reload waits for the batch being stored.
                await storing;
                await ReloadAsync(abort);
            }
        }
    }

    private async Task StoreAsync(Batch batch, List<Func<Task>> acks, CancellationToken abort)
    {
        await WriteAsync(batch, abort);
        var failed = 0;
        string? reason = null;
        foreach (var ack in acks)
        {
            try { await ack(); }
            catch (Exception e)
            {
                // Expected after a broker disconnect (the broker sends these messages again and the sink stores each
                // reading once): one line per batch, no stack trace.
                failed++;
                reason ??= e.Message;
            }
        }
        if (failed > 0) logger.LogWarning("{Failed} of {Count} messages of a stored batch not acknowledged ({Reason}); the broker sends them again", failed, acks.Count, reason);
    }

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private async Task<bool> CollectAsync(BatchBuilder batch, List<Func<Task>> acks, CancellationToken abort)
    {
        var count = 0;
        using var due = new CancellationTokenSource(TimeSpan.FromMilliseconds(options.BatchDelayMilliseconds), clock);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(due.Token, abort);
        while (count < options.BatchSize)
        {
            while (count < options.BatchSize && reader.TryRead(out var message))
            {
                engine.Accept(message, batch);
                if (message.Acknowledge is { } ack) acks.Add(ack);
                count++;
            }
            if (count >= options.BatchSize) return false;
            try
            {
                if (!await reader.WaitToReadAsync(wait.Token)) return true;
            }
            catch (OperationCanceledException) when (!abort.IsCancellationRequested)
            {
                return false;
            }
        }
        return false;
    }

    private async Task WriteAsync(Batch batch, CancellationToken abort)
    {
        if (batch.IsEmpty) return;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var stored = 0;
                await sink(async s => stored = await s.WriteAsync(batch, abort));
                metrics.Readings(stored);
                // A reading stored already (sent twice, or by a bridge that took over a dead one's messages).
                metrics.Duplicates(batch.Readings.Count - stored);
                break;
            }
            catch (Exception e) when (!abort.IsCancellationRequested)
            {
                var delay = TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, attempt - 1)));
                logger.LogError(e, "Sensor batch not stored (attempt {Attempt}); retrying in {Delay}", attempt, delay);
                await Task.Delay(delay, clock, abort);
            }
        }
        metrics.Batch();
    }

    private async Task ReloadAsync(CancellationToken abort)
    {
        try { await LoadSensorsAsync(abort); }
        catch (Exception e) when (!abort.IsCancellationRequested)
        {
            logger.LogWarning(e, "Could not reload sensors; keeping the current list");
            _nextReload = Now + TimeSpan.FromSeconds(options.SensorReloadSeconds);
        }
    }
}
