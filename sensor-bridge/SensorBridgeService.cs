using System.Threading.Channels;
using DxyqOpenData.SensorBridge.Adapters;
using DxyqOpenData.SensorBridge.Brokers;
using DxyqOpenData.SensorBridge.DeadLetters;
using DxyqOpenData.SensorBridge.Pipeline;
using DxyqOpenData.SensorBridge.Processing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DxyqOpenData.SensorBridge;

/// <summary>
/// Wires the bridge: broker (embedded or external) → bounded channel → batching writer → the host's
/// <see cref="ISensorSink"/>; and, while this bridge holds the sessions' lease, stored readings → sessions
/// (<see cref="SessionWriter"/>). On stop it takes no more messages, drains and stores what it has, acknowledges it,
/// passes the sessions' windows on, then disconnects.
/// </summary>
public sealed class SensorBridgeService(
    IOptions<SensorBridgeOptions> options,
    IServiceScopeFactory scopes,
    AdapterRegistry adapters,
    DeadLetterStore deadLetters,
    SensorDirectory directory,
    BridgeMetrics metrics,
    BridgeStatus status,
    ISessionLease sessionLease,
    TimeProvider clock,
    ILoggerFactory loggers) : BackgroundService
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(15);
    /// <summary>How often a bridge without the sessions' lease asks for it.</summary>
    private static readonly TimeSpan LeaseRetry = TimeSpan.FromSeconds(2);
    private readonly ILogger _logger = loggers.CreateLogger<SensorBridgeService>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var channel = Channel.CreateBounded<IncomingMessage>(new BoundedChannelOptions(settings.ChannelCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        var engine = new BridgeEngine(adapters, deadLetters, metrics,
            TimeSpan.FromSeconds(settings.ReorderWindowSeconds), TimeSpan.FromSeconds(settings.MaxClockSkewSeconds));
        var writer = new BatchWriter(channel.Reader, engine, directory, CallSink, settings, metrics, clock, loggers.CreateLogger<BatchWriter>());

        if (!await LoadSensorsAsync(writer, stoppingToken)) return;

        await using IBrokerConnection broker = settings.Broker switch
        {
            BrokerMode.External => new ExternalBrokerClient(settings.External, channel.Writer, clock, loggers.CreateLogger<ExternalBrokerClient>(), status.MarkReceiving),
            _ => new EmbeddedBroker(settings.Embedded.Port, directory, channel.Writer, clock, loggers.CreateLogger<EmbeddedBroker>()),
        };
        status.Track(() => broker.IsReceiving);
        using var abort = new CancellationTokenSource();
        using var stopSessions = new CancellationTokenSource();
        var writing = writer.RunAsync(abort.Token);
        var sessions = RunSessionsAsync(stopSessions.Token);
        await broker.StartAsync(stoppingToken);
        status.MarkStarted();
        if (broker is EmbeddedBroker)
        {
            status.MarkReceiving();
        }

        try { await Task.Delay(Timeout.Infinite, stoppingToken); }
        catch (OperationCanceledException) { }

        channel.Writer.TryComplete();
        try { await writing.WaitAsync(DrainTimeout, CancellationToken.None); }
        catch (TimeoutException)
        {
            _logger.LogWarning("Sensor bridge did not drain within {Timeout}; unacknowledged messages will be redelivered", DrainTimeout);
            await abort.CancelAsync();
        }
        catch (Exception e) { _logger.LogError(e, "Sensor bridge writer failed"); }
        // After the drain: the sessions see the last stored readings before their windows are passed on.
        await stopSessions.CancelAsync();
        try { await sessions.WaitAsync(DrainTimeout, CancellationToken.None); }
        catch (TimeoutException) { _logger.LogWarning("Sensor sessions did not finish within {Timeout}", DrainTimeout); }
        status.Track(() => false);
        await broker.StopAsync();
    }

    /// <summary>
    /// While this bridge holds the sessions' lease, turns stored readings into sessions; otherwise asks again every
    /// <see cref="LeaseRetry"/>. A hold lost to another bridge (its writes refused) starts over from storage.
    /// </summary>
    private async Task RunSessionsAsync(CancellationToken stop)
    {
        var settings = options.Value;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var hold = await sessionLease.TryTakeAsync(CancellationToken.None);
                if (hold is not null)
                {
                    var engine = new BridgeEngine(adapters, deadLetters, metrics, TimeSpan.FromSeconds(settings.ReorderWindowSeconds),
                        TimeSpan.FromSeconds(settings.MaxClockSkewSeconds), TimeSpan.FromMilliseconds(settings.SessionSettleMilliseconds));
                    var writer = new SessionWriter(engine, CallSink, settings, metrics, clock, loggers.CreateLogger<SessionWriter>());
                    _logger.LogInformation("Sensor sessions: this bridge makes them");
                    if (await writer.RunAsync(stop)) return;
                    _logger.LogWarning("Sensor sessions: another bridge took them over");
                }
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                _logger.LogError(e, "Sensor sessions failed; starting over from storage");
            }
            catch (OperationCanceledException) { return; }
            try { await Task.Delay(LeaseRetry, clock, stop); }
            catch (OperationCanceledException) { return; }
        }
    }

    private async Task<bool> LoadSensorsAsync(BatchWriter writer, CancellationToken stoppingToken)
    {
        for (var delay = TimeSpan.FromSeconds(1); ; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(60).Ticks)))
        {
            try
            {
                await writer.LoadSensorsAsync(stoppingToken);
                // The sessions' position exists before this bridge stores a reading (its first use takes the newest).
                await CallSink(s => s.SessionsPositionAsync(stoppingToken));
                _logger.LogInformation("Sensor bridge knows {Count} sensors", directory.Current.Count);
                return true;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                _logger.LogError(e, "Could not load sensors; retrying in {Delay}", delay);
                try { await Task.Delay(delay, clock, stoppingToken); } catch (OperationCanceledException) { return false; }
            }
            catch (OperationCanceledException) { return false; }
        }
    }

    private async Task CallSink(Func<ISensorSink, Task> call)
    {
        await using var scope = scopes.CreateAsyncScope();
        await call(scope.ServiceProvider.GetRequiredService<ISensorSink>());
    }
}
