using System.Buffers;
using System.Threading.Channels;
using DxyqOpenData.SensorBridge.Pipeline;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace DxyqOpenData.SensorBridge.Brokers;

/// <summary>
/// A client of an external broker on the shared subscription <c>$share/{group}/dxyq/v1/sensors/+/telemetry</c> (the
/// plain filter when the group is empty) at QoS 1, with a persistent session (clean start off, session expiry) so messages queued while the bridge is
/// away arrive when it returns. A monitoring loop (re)connects — woken by the Disconnected event, which does nothing
/// else — and counts the bridge connected only once its subscription is in place. Messages are acknowledged only once
/// the writer has stored their batch, and only on the connection that delivered them.
/// </summary>
public sealed class ExternalBrokerClient(
    ExternalBrokerOptions options, ChannelWriter<IncomingMessage> channel, TimeProvider clock, ILogger logger, Action? onSubscribed = null) : IBrokerConnection
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(2);
    // Short: while the bridge is away a restarted broker queues its messages (or, without a stored session, drops
    // them), so the bridge is back within a second or two of the broker.
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(2);

    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _disconnected = new(0, 1);
    private Task? _monitor;
    private volatile bool _subscribed;
    // Which connection a message came on: a packet id is only meaningful on the connection that delivered it.
    private int _connection;

    public string ClientId { get; } = options.ClientId ?? $"dxyq-bridge-{Environment.MachineName}";
    public string SubscriptionTopic => string.IsNullOrEmpty(options.SharedGroup) ? Topics.AllTelemetry : $"$share/{options.SharedGroup}/{Topics.AllTelemetry}";
    /// <summary>Connected and subscribed.</summary>
    public bool IsConnected => _subscribed && _client.IsConnected;

    public bool IsReceiving => IsConnected && !_stop.IsCancellationRequested;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _client.ApplicationMessageReceivedAsync += OnMessage;
        _client.DisconnectedAsync += e =>
        {
            _subscribed = false;
            if (!_stop.IsCancellationRequested && e.ClientWasConnected)
            {
                logger.LogWarning("Disconnected from MQTT broker {Host}:{Port}: {Reason}", options.Host, options.Port, e.Reason);
            }
            // Wakes the monitoring loop; it reconnects, not this handler.
            if (_disconnected.CurrentCount == 0) try { _disconnected.Release(); } catch (SemaphoreFullException) { }
            return Task.CompletedTask;
        };
        _monitor = Task.Run(() => MonitorAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task MonitorAsync(CancellationToken stop)
    {
        var backoff = FirstBackoff;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (!IsConnected)
                {
                    await ConnectAsync(stop);
                    backoff = FirstBackoff;
                }
                await _disconnected.WaitAsync(CheckEvery, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Expected while the broker is down: one warning line per outage, no stack trace; the retries at debug.
                logger.Log(backoff == FirstBackoff ? LogLevel.Warning : LogLevel.Debug,
                    "MQTT broker {Host}:{Port} not reachable ({Message}); retrying in {Backoff} ms", options.Host, options.Port, e.Message, backoff.TotalMilliseconds);
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

        if (_client.IsConnected)
        {
            // Connected but not subscribed (a subscribe that failed): start over on a new connection.
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), stop);
        }
        Interlocked.Increment(ref _connection);
        var result = await _client.ConnectAsync(builder.Build(), stop);
        // Subscribed again even with a session present: a broker that restarted without its stored session (or one
        // that does not store shared subscriptions) has none, and subscribing to a filter already held only replaces it.
        var subscribe = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(SubscriptionTopic, MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        var subscribed = await _client.SubscribeAsync(subscribe, stop);
        if (subscribed.Items.Any(i => i.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2))
        {
            throw new InvalidOperationException($"the broker refused the subscription to {SubscriptionTopic} ({subscribed.Items.First().ResultCode})");
        }
        _subscribed = true;
        logger.LogInformation("Connected to MQTT broker {Host}:{Port} as {ClientId} (session present: {Present})", options.Host, options.Port, ClientId, result.IsSessionPresent);
        onSubscribed?.Invoke();
    }

    private async Task OnMessage(MqttApplicationMessageReceivedEventArgs e)
    {
        // Acknowledged by the writer once stored; waiting on a full channel here is the back-pressure.
        e.AutoAcknowledge = false;
        var message = e.ApplicationMessage;
        var connection = Volatile.Read(ref _connection);
        var incoming = new IncomingMessage(message.Topic, message.Payload.ToArray(), clock.GetUtcNow().UtcDateTime,
            () => Acknowledge(e, connection));
        try
        {
            await channel.WriteAsync(incoming, _stop.Token);
        }
        catch (Exception ex) when (ex is ChannelClosedException or OperationCanceledException)
        {
            // Not acknowledged: the broker redelivers it to this session or, if it expires, it is lost with it.
        }
    }

    /// <summary>
    /// The PUBACK, on the connection that delivered the message only: after a reconnect the broker sends it again
    /// (the sink stores each reading once), and its packet id may by then name another message.
    /// </summary>
    private Task Acknowledge(MqttApplicationMessageReceivedEventArgs e, int connection) =>
        connection == Volatile.Read(ref _connection) && _client.IsConnected
            ? e.AcknowledgeAsync(CancellationToken.None)
            : throw new MessageNotAcknowledgedException("the connection that delivered it is gone; the broker sends it again");

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
        _disconnected.Dispose();
    }
}
