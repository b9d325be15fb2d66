namespace DxyqOpenData.SensorBridge.Brokers;

/// <summary>A transport that feeds the bridge's channel: the embedded broker or a client of an external one.</summary>
public interface IBrokerConnection : IAsyncDisposable
{
    Task StartAsync(CancellationToken cancellationToken);
    Task StopAsync();

    /// <summary>Messages can reach the bridge now: the embedded broker listens, or the external client is connected and subscribed.</summary>
    bool IsReceiving { get; }
}
