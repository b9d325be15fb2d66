using DxyqOpenData.SensorBridge.Readings;

namespace DxyqOpenData.SensorBridge.Processing;

/// <summary>
/// One sensor's readings, in timestamp order, to usage sessions: running opens a session; leaving running closes
/// it (<c>stateChange</c>); silence longer than the heartbeat timeout closes it as <c>offline</c> at the last
/// reading. Pure: time comes in as arguments.
/// </summary>
public sealed class Sessionizer(SensorInfo sensor)
{
    private DateTime? _openSince = sensor.OpenSessionStartedAt;
    private DateTime? _lastReadingAt = sensor.LastReadingAt ?? sensor.OpenSessionStartedAt;

    public SensorInfo Sensor { get; set; } = sensor;
    public DateTime? OpenSince => _openSince;
    public DateTime? LastReadingAt => _lastReadingAt;

    public void Feed(NormalizedReading reading, BatchBuilder batch)
    {
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
        _lastReadingAt = reading.Timestamp;
        batch.Add(new RunStateUpdate(Sensor.Id, Sensor.InstrumentId, reading.State, reading.Timestamp));
    }

    /// <summary>Closes an open session as offline once no reading up to <paramref name="watermark"/> came within the timeout.</summary>
    public void Tick(DateTime watermark, BatchBuilder batch)
    {
        if (_openSince is not null && _lastReadingAt is { } last && watermark - last > Sensor.HeartbeatTimeout)
        {
            Close(last, SessionEndReason.Offline, batch);
            batch.Add(new RunStateUpdate(Sensor.Id, Sensor.InstrumentId, null, last));
        }
    }

    private void Close(DateTime endedAt, SessionEndReason reason, BatchBuilder batch)
    {
        batch.Add(new SessionClosed(Sensor.Id, Sensor.InstrumentId, _openSince!.Value, endedAt, reason));
        _openSince = null;
    }
}
