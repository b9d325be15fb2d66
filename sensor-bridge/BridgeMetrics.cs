using System.Diagnostics.Metrics;

namespace DxyqOpenData.SensorBridge;

/// <summary>The bridge's counters, on the <c>DxyqOpenData.SensorBridge</c> meter for the host to export.</summary>
public sealed class BridgeMetrics : IDisposable
{
    public const string MeterName = "DxyqOpenData.SensorBridge";

    private readonly Meter _meter;
    private readonly Counter<long> _received, _readings, _duplicates, _deadLetters, _sessionsOpened, _sessionsClosed, _batches;

    public BridgeMetrics(IMeterFactory? factory = null)
    {
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _received = _meter.CreateCounter<long>("dxyq.sensor_bridge.messages.received", "{message}", "MQTT messages taken in");
        _readings = _meter.CreateCounter<long>("dxyq.sensor_bridge.readings", "{reading}", "Readings stored (new)");
        _duplicates = _meter.CreateCounter<long>("dxyq.sensor_bridge.duplicates", "{reading}", "Readings dropped as duplicates");
        _deadLetters = _meter.CreateCounter<long>("dxyq.sensor_bridge.dead_letters", "{message}", "Messages dead-lettered, by reason");
        _sessionsOpened = _meter.CreateCounter<long>("dxyq.sensor_bridge.sessions.opened", "{session}", "Usage sessions opened");
        _sessionsClosed = _meter.CreateCounter<long>("dxyq.sensor_bridge.sessions.closed", "{session}", "Usage sessions closed, by end reason");
        _batches = _meter.CreateCounter<long>("dxyq.sensor_bridge.batches", "{batch}", "Batches handed to the sink");
    }

    public void Received() => _received.Add(1);
    public void Readings(int count) => _readings.Add(count);
    public void Duplicate() => _duplicates.Add(1);
    public void Duplicates(int count) => _duplicates.Add(count);
    public void DeadLetter(string reason) => _deadLetters.Add(1, new KeyValuePair<string, object?>("reason", reason));
    public void SessionOpened() => _sessionsOpened.Add(1);
    public void SessionClosed(string reason) => _sessionsClosed.Add(1, new KeyValuePair<string, object?>("reason", reason));
    public void Batch() => _batches.Add(1);

    public void Dispose() => _meter.Dispose();
}
