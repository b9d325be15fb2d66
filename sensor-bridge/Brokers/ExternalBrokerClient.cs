using System.Buffers;
using System.Threading.Channels;
using DxyqOpenData.SensorBridge.Pipeline;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace DxyqOpenData.SensorBridge.Brokers;

/// <summary>
/// A client of an external broker on the shared subscription <c>$share/{group}/dxyq/v1/sensors/+/telemetry</c>
/// at QoS 1, with a persistent session (clean start off, session expiry) so messages queued while the bridge is
/// away arrive when it returns. A monitoring loop (re)connects with backoff — never the Disconnected event.
/// Messages are acknowledged only once the writer has stored their batch.
/// </summary>
public sealed class ExternalBrokerClient(
    ExternalBrokerOptions options, ChannelWriter<IncomingMessage> channel, TimeProvider clock, ILogger logger, Action? onSubscribed = null) : IBrokerConnection
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(60);

    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly CancellationTokenSource _stop = new();
    private Task? _monitor;

    public string ClientId { get; } = options.ClientId ?? $"dxyq-bridge-{Environment.MachineName}";
    public string SubscriptionTopic => $"$share/{options.SharedGroup}/{Topics.AllTelemetry}";
    public bool IsConnected => _client.IsConnected;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _client.ApplicationMessageReceivedAsync += OnMessage;
        _client.DisconnectedAsync += e =>
        {
            if (!_stop.IsCancellationRequested) logger.LogWarning("Disconnected from MQTT broker {Host}:{Port}: {Reason}", options.Host, options.Port, e.Reason);
            return Task.CompletedTask;
        };
        _monitor = Task.Run(() => MonitorAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task MonitorAsync(CancellationToken stop)
    {
        var backoff = TimeSpan.FromSeconds(1);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (!_client.IsConnected)
                {
                    await ConnectAsync(stop);
                    backoff = TimeSpan.FromSeconds(1);
                }
                await Task.Delay(CheckEvery, clock, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning("MQTT broker {Host}:{Port} not reachable ({Message}); retrying in {Backoff}", options.Host, options.Port, e.Message, backoff);
                try { await Task.Delay(backoff, clock, stop); } catch (OperationCanceledException) { return; }
                backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
            }
        }
    }

    private async Task ConnectAsync(CancellationToken stop)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(options.Host, options.Port)
            .WithClientId(ClientId)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithCleanStart(false)
            .WithSessionExpiryInterval(options.SessionExpirySeconds)
            .WithTimeout(TimeSpan.FromSeconds(10));
        if (options.ReceiveMaximum > 0) builder = builder.WithReceiveMaximum(options.ReceiveMaximum);
        if (options.Username is not null) builder = builder.WithCredentials(options.Username, options.Password);
        if (options.UseTls) builder = builder.WithTlsOptions(tls => tls.UseTls());

        var result = await _client.ConnectAsync(builder.Build(), stop);
        // Subscribed again even with a session present: a restarted broker may restore the session without its shared
        // subscription (mosquitto 2.0 does), and subscribing to a filter already held only replaces it.
        var subscribe = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(SubscriptionTopic, MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        await _client.SubscribeAsync(subscribe, stop);
        logger.LogInformation("Connected to MQTT broker {Host}:{Port} as {ClientId} (session present: {Present})", options.Host, options.Port, ClientId, result.IsSessionPresent);
        onSubscribed?.Invoke();
    }

    private async Task OnMessage(MqttApplicationMessageReceivedEventArgs e)
    {
        // Acknowledged by the writer once stored; waiting on a full channel here is the back-pressure.
        e.AutoAcknowledge = false;
        var message = e.ApplicationMessage;
        var incoming = new IncomingMessage(message.Topic, message.Payload.ToArray(), clock.GetUtcNow().UtcDateTime,
            () => e.AcknowledgeAsync(CancellationToken.None));
        try
        {
            await channel.WriteAsync(incoming, _stop.Token);
        }
        catch (Exception ex) when (ex is ChannelClosedException or OperationCanceledException)
        {
            // Not acknowledged: the broker redelivers it to this session or, if it expires, it is lost with it.
        }
    }

    public async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested) await _stop.CancelAsync();
        if (_monitor is not null) await _monitor;
        if (_client.IsConnected)
        {
            try { await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None); }
            catch (Exception e) { logger.LogDebug(e, "Disconnect failed"); }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _client.Dispose();
        _stop.Dispose();
    }
}
