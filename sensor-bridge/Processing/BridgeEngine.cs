using DxyqOpenData.SensorBridge.Adapters;
using DxyqOpenData.SensorBridge.Brokers;
using DxyqOpenData.SensorBridge.DeadLetters;
using DxyqOpenData.SensorBridge.Pipeline;
using DxyqOpenData.SensorBridge.Readings;

namespace DxyqOpenData.SensorBridge.Processing;

/// <summary>
/// The bridge's two halves (docs/sensors.md, "Several bridges"). <see cref="Accept"/>: a message to a reading — topic to
/// sensor, payload through the sensor's adapter, checks — for storage, on every bridge. <see cref="Offer"/> and
/// <see cref="Advance"/>: stored readings, in the order they were stored, through dedup and reorder into sessions per
/// sensor, on the one bridge holding the sessions' lease. Single-threaded and pure (the clock comes in as arguments),
/// so tests drive it directly.
/// </summary>
public sealed class BridgeEngine(AdapterRegistry adapters, DeadLetterStore deadLetters, BridgeMetrics metrics, TimeSpan reorderWindow, TimeSpan maxClockSkew, TimeSpan settle = default)
{
    private IReadOnlyDictionary<string, SensorInfo> _sensors = new Dictionary<string, SensorInfo>();
    private readonly Dictionary<string, SensorStream> _streams = [];

    public DeadLetterStore DeadLetters => deadLetters;

    /// <summary>Takes a fresh list of sensors; streams of known sensors keep their state and see the new settings.</summary>
    public void UseSensors(IReadOnlyDictionary<string, SensorInfo> sensors)
    {
        _sensors = sensors;
        foreach (var (id, stream) in _streams)
        {
            if (sensors.TryGetValue(id, out var info)) stream.Sessions.Sensor = info;
        }
        // A session left open when the bridge last stopped must still close if its sensor stays silent.
        foreach (var sensor in sensors.Values)
        {
            if (sensor.OpenSessionStartedAt is not null) StreamOf(sensor);
        }
    }

    /// <summary>Whether the sensor is in the current list (active).</summary>
    public bool Knows(string sensorId) => _sensors.ContainsKey(sensorId);

    public void Accept(IncomingMessage message, BatchBuilder batch)
    {
        metrics.Received();
        if (message.Refused is { } refused)
        {
            DeadLetter(message, refused.Reason, refused.Detail, batch);
            return;
        }
        if (!Topics.TryParseSensorId(message.Topic, out var sensorId))
        {
            DeadLetter(message, DeadLetterReasons.BadTopic, "not dxyq/v1/sensors/{sensorId}/telemetry", batch);
            return;
        }
        if (!_sensors.TryGetValue(sensorId, out var sensor))
        {
            DeadLetter(message, DeadLetterReasons.UnknownSensor, $"sensor '{sensorId}' is not registered", batch);
            return;
        }
        if (adapters.Find(sensor.Format) is not { } adapter)
        {
            DeadLetter(message, DeadLetterReasons.UnknownFormat, $"no adapter reads format '{sensor.Format}'", batch);
            return;
        }
        RawReading raw;
        ReadFailure failure;
        bool read;
        try { read = adapter.TryRead(message.Payload, out raw, out failure); }
        catch (Exception e)
        {
            (raw, read, failure) = (default, false, new ReadFailure(DeadLetterReasons.AdapterFault, $"{adapter.GetType().Name}: {e.Message}"));
        }
        if (!read)
        {
            DeadLetter(message, failure.Reason, failure.Detail, batch);
            return;
        }
        if (raw.Timestamp - message.ReceivedAt > maxClockSkew)
        {
            DeadLetter(message, DeadLetterReasons.FutureTimestamp, $"{raw.Timestamp:O} is ahead of the node's clock {message.ReceivedAt:O}", batch);
            return;
        }

        // Stored at once, in arrival order; the sessions see it once it is stored (Offer), in their own order.
        batch.Add(new NormalizedReading(sensor.Id, sensor.InstrumentId, raw.Timestamp, raw.State, raw.PowerW, raw.Seq));
    }

    /// <summary>
    /// A stored reading (at <paramref name="position"/>), <paramref name="storedSeenAt"/> when the sessions' side read
    /// it, into its sensor's stream. A reading of a sensor no longer active is left out of the sessions.
    /// </summary>
    public OfferResult Offer(NormalizedReading reading, DateTime storedSeenAt, BatchBuilder batch, long position = 0)
    {
        if (!_sensors.TryGetValue(reading.SensorId, out var sensor)) return OfferResult.UnknownSensor;
        var result = StreamOf(sensor).Offer(reading, storedSeenAt, position);
        switch (result)
        {
            case OfferResult.Duplicate:
                metrics.Duplicate();
                break;
            case OfferResult.Late:
                // Too late for the sessions, but a reading all the same (a broker may hand over a message it held across
                // a restart after newer ones): it is stored, and dead-lettered to say the sessions did not see it.
                var letter = new DeadLetter(Topics.Telemetry(reading.SensorId), Describe(reading), DeadLetterReasons.Late,
                    $"{reading.Timestamp:O} is older than readings already past the reorder window; stored, not in sessions", storedSeenAt);
                deadLetters.Add(letter);
                batch.Add(letter);
                metrics.DeadLetter(DeadLetterReasons.Late);
                break;
        }
        return result;
    }

    /// <summary>Moves every sensor's reorder window to <paramref name="now"/>: passes readings on, closes silent sessions.</summary>
    public void Advance(DateTime now, BatchBuilder batch)
    {
        foreach (var stream in _streams.Values)
        {
            if (!stream.IsIdle) stream.Advance(now, batch);
        }
    }

    /// <summary>The lowest storage position of a reading still waiting in a window (not yet in the sessions), if any.</summary>
    public long? OldestWaiting => _streams.Values.Select(s => s.OldestWaiting).Min();

    /// <summary>A late reading's dead letter holds the reading as stored (its payload is in no store), as canonical JSON.</summary>
    private static byte[] Describe(NormalizedReading r) => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new
    {
        timestamp = r.Timestamp.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        state = r.State.ToString().ToLowerInvariant(),
        powerW = r.PowerW,
        seq = r.Seq,
    });

    private SensorStream StreamOf(SensorInfo sensor)
    {
        if (!_streams.TryGetValue(sensor.Id, out var stream))
        {
            _streams[sensor.Id] = stream = new SensorStream(sensor, reorderWindow, settle);
        }
        return stream;
    }

    private void DeadLetter(IncomingMessage message, string reason, string detail, BatchBuilder batch)
    {
        var letter = new DeadLetter(message.Topic, message.Payload, reason, detail, message.ReceivedAt);
        deadLetters.Add(letter);
        batch.Add(letter);
        metrics.DeadLetter(reason);
    }
}
