namespace DxyqOpenData.SensorBridge.Brokers;

/// <summary>An acknowledgement that cannot be sent (its connection is gone): expected after a disconnect, not a fault.</summary>
public sealed class MessageNotAcknowledgedException(string message) : Exception(message);
