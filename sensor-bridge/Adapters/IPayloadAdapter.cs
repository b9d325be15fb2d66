using DxyqOpenData.SensorBridge.Readings;

namespace DxyqOpenData.SensorBridge.Adapters;

/// <summary>Reads one vendor's payload format. Never throws: a payload it cannot read is a <see cref="ReadFailure"/>.</summary>
public interface IPayloadAdapter
{
    /// <summary>The sensor format name this adapter reads (the sensor's registered <c>format</c>).</summary>
    string Format { get; }

    bool TryRead(ReadOnlySpan<byte> payload, out RawReading reading, out ReadFailure failure);
}

/// <summary>Why a payload could not be used: a stable <see cref="Reason"/> (see <see cref="DeadLetterReasons"/>) and a human detail.</summary>
public readonly record struct ReadFailure(string Reason, string Detail)
{
    public static ReadFailure None => default;
}

/// <summary>The reasons a message lands in the dead-letter store; also the metric tag values.</summary>
public static class DeadLetterReasons
{
    public const string Malformed = "malformed";
    public const string CrcMismatch = "crcMismatch";
    public const string InvalidValue = "invalidValue";
    public const string UnknownState = "unknownState";
    public const string UnknownSensor = "unknownSensor";
    public const string UnknownFormat = "unknownFormat";
    public const string BadTopic = "badTopic";
    public const string ForbiddenTopic = "forbiddenTopic";
    public const string FutureTimestamp = "futureTimestamp";
    public const string Late = "late";
    /// <summary>An adapter threw, which it must not: a bug, kept as a dead letter so the bridge keeps running.</summary>
    public const string AdapterFault = "adapterFault";
}
