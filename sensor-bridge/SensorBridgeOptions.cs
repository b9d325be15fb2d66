using System.ComponentModel.DataAnnotations;

namespace DxyqOpenData.SensorBridge;

public enum BrokerMode
{
    /// <summary>The node runs its own MQTT broker (MQTTnet.Server); devices connect to it.</summary>
    Embedded,
    /// <summary>The bridge subscribes to any MQTT 3.1.1/5 broker through a shared subscription.</summary>
    External,
}

/// <summary>The <c>SensorBridge</c> configuration section (checked when the host starts: a wrong value names its setting).</summary>
public sealed class SensorBridgeOptions : IValidatableObject
{
    public const string Section = "SensorBridge";

    public bool Enabled { get; set; } = true;
    public BrokerMode Broker { get; set; } = BrokerMode.Embedded;
    public EmbeddedBrokerOptions Embedded { get; set; } = new();
    public ExternalBrokerOptions External { get; set; } = new();

    /// <summary>Readings out of order by up to this much give the same sessions as in order; they are held this long.</summary>
    [Range(0, 3600, ErrorMessage = "SensorBridge:ReorderWindowSeconds must be from {1} to {2}.")]
    public int ReorderWindowSeconds { get; set; } = 30;
    /// <summary>
    /// A stored reading waits at least this long before the sessions take it, so that a reading another bridge stored a
    /// moment later, older than it, still comes first (docs/sensors.md, "Several bridges"). Above the longest a batch
    /// takes from a message's arrival to its commit.
    /// </summary>
    [Range(0, 600000, ErrorMessage = "SensorBridge:SessionSettleMilliseconds must be from {1} to {2}.")]
    public int SessionSettleMilliseconds { get; set; } = 10_000;
    /// <summary>
    /// The sessions' lease (<c>sensor-sessions</c>, held by the one bridge that makes the sessions, renewed every third of
    /// it): how long sessions wait after their bridge died before another takes them up (docs/sensors.md, "Several bridges").
    /// </summary>
    [Range(3, 3600, ErrorMessage = "SensorBridge:SessionLeaseSeconds must be from {1} to {2}.")]
    public int SessionLeaseSeconds { get; set; } = 15;
    /// <summary>A reading stamped further than this ahead of the node's clock is dead-lettered.</summary>
    [Range(0, 86400, ErrorMessage = "SensorBridge:MaxClockSkewSeconds must be from {1} to {2}.")]
    public int MaxClockSkewSeconds { get; set; } = 300;
    [Range(1, 1000000, ErrorMessage = "SensorBridge:DeadLetterCapacity must be from {1} to {2}.")]
    public int DeadLetterCapacity { get; set; } = 1000;
    /// <summary>Messages waiting between the MQTT handler and the writer; when full the handler waits (back-pressure).</summary>
    [Range(1, 10000000, ErrorMessage = "SensorBridge:ChannelCapacity must be from {1} to {2}.")]
    public int ChannelCapacity { get; set; } = 10_000;
    /// <summary>Messages per batch at most: one transaction each, so larger batches carry a busy stream further.</summary>
    [Range(1, 1000000, ErrorMessage = "SensorBridge:BatchSize must be from {1} to {2}.")]
    public int BatchSize { get; set; } = 5000;
    /// <summary>How long a batch waits to fill; the bound on what batching adds to a reading's way to storage.</summary>
    [Range(1, 60000, ErrorMessage = "SensorBridge:BatchDelayMilliseconds must be from {1} to {2}.")]
    public int BatchDelayMilliseconds { get; set; } = 250;
    /// <summary>
    /// How often the sessions' side stores what it made — sessions, run states, last-seen times — with its position
    /// (docs/sensors.md, "Several bridges"); a busy sensor costs a row update this often, not per batch. 0: every read.
    /// </summary>
    [Range(0, 86400, ErrorMessage = "SensorBridge:RunStateIntervalSeconds must be from {1} to {2}.")]
    public int RunStateIntervalSeconds { get; set; } = 5;
    /// <summary>How often the sensor list (formats, heartbeats, secrets) is reloaded from the host.</summary>
    [Range(1, 86400, ErrorMessage = "SensorBridge:SensorReloadSeconds must be from {1} to {2}.")]
    public int SensorReloadSeconds { get; set; } = 60;
    /// <summary>Another vendor file instead of the embedded <c>Vendors/vendors.json</c>.</summary>
    public string? VendorsFile { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Embedded.Port is < 1 or > 65535)
        {
            yield return new ValidationResult("SensorBridge:Embedded:Port must be from 1 to 65535.");
        }
        if (External.Port is < 1 or > 65535)
        {
            yield return new ValidationResult("SensorBridge:External:Port must be from 1 to 65535.");
        }
    }
}

public sealed class EmbeddedBrokerOptions
{
    public int Port { get; set; } = 1883;
}

public sealed class ExternalBrokerOptions
{
    public string Host { get; set; } = "localhost";
    public int Port { get; set; } = 1883;
    public bool UseTls { get; set; }
    public string? Username { get; set; }
    public string? Password { get; set; }
    /// <summary>
    /// Bridges in one group split the stream: each message goes to one of them. Empty: a plain (non-shared) subscription,
    /// for a broker that does not keep shared subscriptions in a stored session (docs/sensors.md, per broker).
    /// </summary>
    public string SharedGroup { get; set; } = "dxyq-bridge";
    /// <summary>Stable per bridge instance so its broker session (and queued QoS 1 messages) survive a restart.</summary>
    public string? ClientId { get; set; }
    /// <summary>How long the broker keeps this bridge's session and queues its messages while it is away.</summary>
    public uint SessionExpirySeconds { get; set; } = 86_400;
    /// <summary>
    /// MQTT 5 Receive Maximum: unacknowledged QoS 1 messages the broker may have in flight to this bridge (messages are
    /// acknowledged once stored). Bounds the bridge's memory when the broker holds a backlog; 0 leaves it to the broker.
    /// </summary>
    public ushort ReceiveMaximum { get; set; } = 10_000;
}
