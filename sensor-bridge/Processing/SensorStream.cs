using DxyqOpenData.SensorBridge.Readings;

namespace DxyqOpenData.SensorBridge.Processing;

public enum OfferResult
{
    Accepted,
    Duplicate,
    /// <summary>Older than a reading already passed on: it arrived after the reorder window.</summary>
    Late,
    /// <summary>Its sensor is not (or no longer) active: no sessions.</summary>
    UnknownSensor,
    /// <summary>
    /// No newer than the newest reading already in the stored sessions (<see cref="SensorInfo.SessionsThrough"/>): read
    /// again by a bridge that took the sessions over from one that died, after that one had taken it in.
    /// </summary>
    InSessions,
}

/// <summary>
/// One sensor's readings through dedup and a reorder window into its <see cref="Sessionizer"/>. A reading waits
/// until the watermark (the later of the newest reading and the clock, less the window) passes it, then readings
/// go on in timestamp order, so any arrival order within the window gives what the ordered stream gives.
/// Duplicates are by seq, or by timestamp when a reading has none. The window orders the readings for the
/// sessions only. A reading also waits until it was offered at least <paramref name="settle"/> ago (docs/sensors.md,
/// "Several bridges"): readings come from storage in the order bridges stored them, and a reading another bridge stored
/// a moment later, older than one already here, still comes before it — whatever their timestamps. A waiting reading
/// keeps its position in storage: the sessions' stored position stays behind the oldest one (<see cref="OldestWaiting"/>).
/// </summary>
public sealed class SensorStream(SensorInfo sensor, TimeSpan window, TimeSpan settle = default)
{
    private const int MaxRememberedKeys = 4096;

    private readonly SortedDictionary<(DateTime Timestamp, long Seq), (NormalizedReading Reading, DateTime OfferedAt, long Position)> _waiting = [];
    private readonly DateTime? _inSessionsThrough = sensor.SessionsThrough;
    private readonly Dictionary<long, DateTime> _seenSeq = [];
    private readonly HashSet<DateTime> _seenTimestamps = [];
    private readonly Queue<(DateTime Timestamp, long? Seq)> _seenOrder = new();
    private DateTime _newest = DateTime.MinValue;
    private DateTime? _lastPassed;
    private DateTime? _lastReceivedAt;

    public Sessionizer Sessions { get; } = new(sensor);

    /// <summary>Nothing waiting and no session open: advancing it would do nothing.</summary>
    public bool IsIdle => _waiting.Count == 0 && Sessions.OpenSince is null;

    /// <summary>The lowest storage position of the readings waiting here, if any.</summary>
    public long? OldestWaiting => _waiting.Count == 0 ? null : _waiting.Values.Min(w => w.Position);

    /// <summary>Offers a reading, stored at <paramref name="position"/>, received (read from storage) at <paramref name="receivedAt"/>.</summary>
    public OfferResult Offer(NormalizedReading reading, DateTime receivedAt, long position = 0)
    {
        _lastReceivedAt = receivedAt;
        if (_inSessionsThrough is { } through && reading.Timestamp <= through) return OfferResult.InSessions;
        if (IsSeen(reading)) return OfferResult.Duplicate;
        if (_lastPassed is { } last && reading.Timestamp < last) return OfferResult.Late;
        Remember(reading);
        _waiting.Add((reading.Timestamp, reading.Seq ?? -1), (reading, receivedAt, position));
        if (reading.Timestamp > _newest) _newest = reading.Timestamp;
        return OfferResult.Accepted;
    }

    /// <summary>
    /// Passes on every waiting reading at or before the watermark. Silence is measured on the node's clock, from
    /// the last message received: a backlog of old readings replayed after an outage is not mistaken for silence,
    /// and a wait of heartbeat + window means nothing the window could still reorder is missing.
    /// </summary>
    public void Advance(DateTime now, BatchBuilder batch)
    {
        _lastReceivedAt ??= now; // a session resumed from storage gets one heartbeat from the bridge's start
        var watermark = (now > _newest ? now : _newest) - window;
        while (_waiting.Count > 0)
        {
            var (key, (reading, offeredAt, _)) = _waiting.First();
            // In timestamp order: an older reading still settling holds back the newer ones behind it.
            if (key.Timestamp > watermark || now - offeredAt < settle) break;
            _waiting.Remove(key);
            _lastPassed = reading.Timestamp;
            Sessions.Feed(reading, batch);
        }
        if (_waiting.Count == 0 && now - _lastReceivedAt > Sessions.Sensor.HeartbeatTimeout + window) Sessions.GoOffline(batch);
        // A repeat of the last reading passed on is not late (only older ones are), so its key stays however old it is:
        // a replayed backlog's repeat would otherwise be stored twice.
        var before = watermark - window;
        Forget(_lastPassed is { } last && last < before ? last : before);
    }

    private bool IsSeen(NormalizedReading r) =>
        r.Seq is { } seq ? _seenSeq.ContainsKey(seq) : _seenTimestamps.Contains(r.Timestamp);

    private void Remember(NormalizedReading r)
    {
        if (r.Seq is { } seq) _seenSeq[seq] = r.Timestamp;
        else _seenTimestamps.Add(r.Timestamp);
        _seenOrder.Enqueue((r.Timestamp, r.Seq));
    }

    /// <summary>
    /// Keys are kept for two windows behind the watermark and never older than the last reading passed on (a repeat
    /// older than both is late anyway), so a device that restarts its seq counter is not mistaken for a repeat.
    /// </summary>
    private void Forget(DateTime before)
    {
        while (_seenOrder.TryPeek(out var oldest) && (oldest.Timestamp < before || _seenOrder.Count > MaxRememberedKeys))
        {
            _seenOrder.Dequeue();
            if (oldest.Seq is { } seq)
            {
                if (_seenSeq.TryGetValue(seq, out var at) && at == oldest.Timestamp) _seenSeq.Remove(seq);
            }
            else
            {
                _seenTimestamps.Remove(oldest.Timestamp);
            }
        }
    }
}
