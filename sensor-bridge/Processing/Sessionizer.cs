using DxyqOpenData.SensorBridge.Readings;

namespace DxyqOpenData.SensorBridge.Processing;

/// <summary>
/// One sensor's readings, in timestamp order, to usage sessions: running opens a session; leaving running closes
/// it (<c>stateChange</c>); silence longer than the heartbeat timeout closes it as <c>offline</c> at the last
/// reading — seen either as a gap between two readings, or (<see cref="GoOffline"/>) as no message arriving at all.
/// Pure: time comes in as arguments.
/// </summary>
public sealed class Sessionizer(SensorInfo sensor)
{
    private DateTime? _openSince = sensor.OpenSessionStartedAt;
    // A session resumed from storage began at its start, whatever older last-seen time storage holds for the sensor.
    private DateTime? _lastReadingAt = Latest(sensor.LastReadingAt, sensor.OpenSessionStartedAt);
    // The newest reading fed here (not one carried from storage): what the sessions have taken in.
    private DateTime? _lastFed;

    public SensorInfo Sensor { get; set; } = sensor;
    public DateTime? OpenSince => _openSince;
    public DateTime? LastReadingAt => _lastReadingAt;

    public void Feed(NormalizedReading reading, BatchBuilder batch)
    {
        // Older than the open session's start (a backlog replayed after the session was resumed from storage): it
        // cannot end a run that began after it, and the run state already knows a later one.
        if (_openSince is { } since && reading.Timestamp < since) return;
        if (_openSince is not null && _lastReadingAt is { } last && reading.Timestamp - last > Sensor.HeartbeatTimeout)
        {
            Close(last, SessionEndReason.Offline, batch);
        }
        if (reading.State == RunStateKind.Running && _openSince is null)
        {
            _openSince = reading.Timestamp;
            batch.Add(new SessionOpened(Sensor.Id, Sensor.InstrumentId, reading.Timestamp));
        }
        else if (reading.State != RunStateKind.Running && _openSince is not null)
        {
            Close(reading.Timestamp, SessionEndReason.StateChange, batch);
        }
        _lastReadingAt = _lastFed = reading.Timestamp;
        batch.Add(new RunStateUpdate(Sensor.Id, Sensor.InstrumentId, reading.State, reading.Timestamp, _lastFed));
    }

    /// <summary>The sensor fell silent: an open session closes as offline at the last reading.</summary>
    public void GoOffline(BatchBuilder batch)
    {
        if (_openSince is not null && _lastReadingAt is { } last)
        {
            Close(last, SessionEndReason.Offline, batch);
            batch.Add(new RunStateUpdate(Sensor.Id, Sensor.InstrumentId, null, last, _lastFed));
        }
    }

    private void Close(DateTime endedAt, SessionEndReason reason, BatchBuilder batch)
    {
        var start = _openSince!.Value;
        batch.Add(new SessionClosed(Sensor.Id, Sensor.InstrumentId, start, endedAt < start ? start : endedAt, reason));
        _openSince = null;
    }

    private static DateTime? Latest(DateTime? a, DateTime? b) => a is null ? b : b is null ? a : a > b ? a : b;
}
