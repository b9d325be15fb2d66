namespace DxyqOpenData.SensorBridge.Pipeline;

/// <summary>
/// A message as the broker handed it over. <see cref="Acknowledge"/>, when set, is called once the batch holding
/// it is in the sink (an external broker's QoS 1 ack), so a crash before then gets the message again.
/// <see cref="Refused"/>, when set, is why the broker refused it (the reason and a detail): it goes straight to the
/// dead letters, stored with the batch like any other.
/// </summary>
public sealed record IncomingMessage(string Topic, byte[] Payload, DateTime ReceivedAt, Func<Task>? Acknowledge = null, (string Reason, string Detail)? Refused = null);
