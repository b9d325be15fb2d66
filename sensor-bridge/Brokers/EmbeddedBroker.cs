using System.Buffers;
using System.Threading.Channels;
using DxyqOpenData.SensorBridge.Adapters;
using DxyqOpenData.SensorBridge.Pipeline;
using Microsoft.Extensions.Logging;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace DxyqOpenData.SensorBridge.Brokers;

/// <summary>
/// The node's own MQTT broker. A device connects with its sensor id as user name and its secret as password, and
/// may publish only to its own telemetry topic (anything else is refused, and goes into the channel as a
/// <c>forbiddenTopic</c> dead letter); it may not subscribe. Messages go into the channel, waiting when it is full —
/// nothing slow happens in the handler.
/// </summary>
public sealed class EmbeddedBroker(
    int port, SensorDirectory sensors, ChannelWriter<IncomingMessage> channel, TimeProvider clock, ILogger logger) : IBrokerConnection
{
    private MqttServer? _server;

    public bool IsReceiving => _server is { IsStarted: true };

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = new MqttServerFactory().CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointPort(port)
            .Build();
        _server = new MqttServerFactory().CreateMqttServer(options);
        _server.ValidatingConnectionAsync += ValidateConnection;
        _server.InterceptingPublishAsync += InterceptPublish;
        _server.InterceptingSubscriptionAsync += e =>
        {
            e.ProcessSubscription = false;
            e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            return Task.CompletedTask;
        };
        await _server.StartAsync();
        logger.LogInformation("Embedded MQTT broker listening on port {Port}", port);
    }

    private Task ValidateConnection(ValidatingConnectionEventArgs e)
    {
        var sensor = e.UserName is { Length: > 0 } id ? sensors.Find(id) : null;
        if (sensor is null || !SensorSecrets.Verify(e.Password, sensor.SecretHash))
        {
            e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
        }
        return Task.CompletedTask;
    }

    private async Task InterceptPublish(InterceptingPublishEventArgs e)
    {
        var message = e.ApplicationMessage;
        // Nobody subscribes to device topics on this broker: the bridge takes the message here and it ends here.
        e.ProcessPublish = false;
        var received = new IncomingMessage(message.Topic, message.Payload.ToArray(), clock.GetUtcNow().UtcDateTime);
        if (e.UserName is not { } user || !IsOwnTopic(message.Topic, user))
        {
            e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            // Refused here, dead-lettered by the pipeline: stored with the next batch like any other dead letter.
            received = received with
            {
                Refused = (DeadLetterReasons.ForbiddenTopic, $"client '{e.UserName}' may publish only to {Topics.Telemetry(e.UserName ?? "{sensorId}")}"),
            };
        }
        try
        {
            await channel.WriteAsync(received, e.CancellationToken);
        }
        catch (Exception ex) when (ex is ChannelClosedException or OperationCanceledException)
        {
            if (received.Refused is null) e.Response.ReasonCode = MqttPubAckReasonCode.ImplementationSpecificError;
        }
    }

    /// <summary><c>topic == Topics.Telemetry(user)</c>, without building the string for every message.</summary>
    private static bool IsOwnTopic(string topic, string user) =>
        topic.Length == Topics.Prefix.Length + user.Length + Topics.Suffix.Length
        && topic.StartsWith(Topics.Prefix, StringComparison.Ordinal)
        && topic.EndsWith(Topics.Suffix, StringComparison.Ordinal)
        && topic.AsSpan(Topics.Prefix.Length, user.Length).SequenceEqual(user);

    public async Task StopAsync()
    {
        if (_server is { IsStarted: true }) await _server.StopAsync(new MqttServerStopOptions());
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _server?.Dispose();
    }
}
