using System.Collections.Concurrent;
using DxyqOpenData.SensorBridge.Pipeline;
using DxyqOpenData.SensorBridge.Processing;
using DxyqOpenData.SensorBridge.Readings;

namespace DxyqOpenData.SensorBridge.Tests.Infrastructure;

/// <summary>The host's side of the bridge, in memory: a fixed sensor list, and every batch kept.</summary>
public sealed class MemorySink(IReadOnlyDictionary<string, SensorInfo> sensors) : ISensorSink
{
    private readonly ConcurrentQueue<Batch> _batches = new();

    public IReadOnlyList<Batch> Batches => [.. _batches];
    public IReadOnlyList<NormalizedReading> Readings => [.. _batches.SelectMany(b => b.Readings)];
    public IReadOnlyList<SessionClosed> Closed => [.. _batches.SelectMany(b => b.Closed)];

    public Task<IReadOnlyDictionary<string, SensorInfo>> LoadSensorsAsync(CancellationToken cancellationToken) => Task.FromResult(sensors);

    public Task WriteAsync(Batch batch, CancellationToken cancellationToken)
    {
        _batches.Enqueue(batch);
        return Task.CompletedTask;
    }

    public async Task WaitUntilAsync(Func<MemorySink, bool> condition, int timeoutSeconds = 20)
    {
        var until = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (!condition(this))
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("the sink did not get what the test waited for");
            await Task.Delay(50);
        }
    }
}
