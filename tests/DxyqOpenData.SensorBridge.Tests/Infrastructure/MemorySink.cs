using DxyqOpenData.SensorBridge.Pipeline;
using DxyqOpenData.SensorBridge.Processing;
using DxyqOpenData.SensorBridge.Readings;

namespace DxyqOpenData.SensorBridge.Tests.Infrastructure;

/// <summary>
/// The host's side of the bridge, in memory: a fixed sensor list, every batch kept, each reading stored once (by sensor,
/// time and seq, as the node's unique index) at the next position, and the sessions' position.
/// </summary>
public sealed class MemorySink(IReadOnlyDictionary<string, SensorInfo> sensors) : ISensorSink
{
    private readonly Lock _gate = new();
    private readonly List<Batch> _batches = [];
    private readonly List<NormalizedReading> _stored = [];
    private readonly HashSet<(string, DateTime, long?)> _keys = [];
    private long _position;

    public IReadOnlyList<Batch> Batches { get { lock (_gate) return [.. _batches]; } }
    /// <summary>The stored readings, in the order they were stored.</summary>
    public IReadOnlyList<NormalizedReading> Readings { get { lock (_gate) return [.. _stored]; } }
    public IReadOnlyList<SessionClosed> Closed => [.. Batches.SelectMany(b => b.Closed)];

    public Task<IReadOnlyDictionary<string, SensorInfo>> LoadSensorsAsync(CancellationToken cancellationToken) => Task.FromResult(sensors);

    public Task<int> WriteAsync(Batch batch, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _batches.Add(batch);
            var added = 0;
            foreach (var reading in batch.Readings)
            {
                if (!_keys.Add((reading.SensorId, reading.Timestamp, reading.Seq))) continue;
                _stored.Add(reading);
                added++;
            }
            return Task.FromResult(added);
        }
    }

    public Task<long> SessionsPositionAsync(CancellationToken cancellationToken)
    {
        lock (_gate) return Task.FromResult(_position);
    }

    public Task<IReadOnlyList<StoredReading>> ReadReadingsAsync(long after, int max, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<StoredReading>>([.. _stored.Select((r, i) => new StoredReading(i + 1, r)).Skip((int)after).Take(max)]);
        }
    }

    public Task<bool> WriteSessionsAsync(Batch batch, long from, long to, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_position != from) return Task.FromResult(false);
            _position = to;
            _batches.Add(batch);
            return Task.FromResult(true);
        }
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
