using DxyqOpenData.Api.Catalog;

namespace DxyqOpenData.Api.Sensors;

/// <summary>物联网传感器: the IoT device on an instrument reporting power and run state over MQTT.</summary>
public sealed class Sensor
{
    /// <summary>Device id; also its MQTT user name and topic segment.</summary>
    public required string Id { get; set; }
    public required string UnitId { get; set; }
    public Guid? InstrumentId { get; set; }
    /// <summary>Payload format; selects the bridge's vendor adapter.</summary>
    public required string Format { get; set; }
    public string? Vendor { get; set; }
    public string? Model { get; set; }
    public DateTime? InstalledAt { get; set; }
    public DateTime? CommissionedAt { get; set; }
    /// <summary>Silence longer than this closes an open session as offline.</summary>
    public int HeartbeatSeconds { get; set; }
    public SensorStatus Status { get; set; }
    public DateTime? LastSeenAt { get; set; }
    /// <summary>The newest of its readings already in the stored sessions (docs/sensors.md, "Several bridges"); internal.</summary>
    public DateTime? SessionsThrough { get; set; }
    public DateTime UpdatedAt { get; set; }
    /// <summary>Hash of the device's MQTT secret; never leaves the node.</summary>
    public string? SecretHash { get; set; }
}
