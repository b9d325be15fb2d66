namespace DxyqOpenData.SensorBridge.Readings;

/// <summary>The run states a sensor reports; everything a vendor sends maps to one of these.</summary>
public enum RunStateKind
{
    Off,
    Standby,
    Running,
}

/// <summary>What an adapter reads out of one payload, before the bridge knows whose it is.</summary>
public readonly record struct RawReading(DateTime Timestamp, RunStateKind State, double? PowerW, long? Seq);

/// <summary>One reading in the bridge's single model, whatever the transport or vendor format.</summary>
public sealed record NormalizedReading(
    string SensorId, string? InstrumentId, DateTime Timestamp, RunStateKind State, double? PowerW, long? Seq);

/// <summary>
/// What the bridge needs to know of a registered sensor. The host provides it; <see cref="OpenSessionStartedAt"/>
/// and <see cref="LastReadingAt"/> let a restarted bridge carry on a session that was open when it stopped;
/// <see cref="SessionsThrough"/> is the newest of its readings already in the sessions (stored with them), so a bridge
/// that reads stored readings again after another died does not count them twice (docs/sensors.md, "Several bridges").
/// </summary>
public sealed record SensorInfo(
    string Id,
    string? InstrumentId,
    string Format,
    TimeSpan HeartbeatTimeout,
    string? SecretHash = null,
    DateTime? OpenSessionStartedAt = null,
    DateTime? LastReadingAt = null,
    DateTime? SessionsThrough = null);
