namespace DxyqOpenData.SensorBridge;

/// <summary>Whether the bridge is up: for health checks and for tests that must wait until devices can connect.</summary>
public sealed class BridgeStatus
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Sensors are loaded and the broker (or the external client's monitoring loop) is started.</summary>
    public bool IsStarted => _started.Task.IsCompleted;

    public Task WhenStarted => _started.Task;

    internal void MarkStarted() => _started.TrySetResult();

    private readonly TaskCompletionSource _receiving = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Messages can flow: the embedded broker listens, or the external client is connected and its (shared)
    /// subscription is in place. Until then a QoS 1 message published to an external broker has no session to wait in.
    /// </summary>
    public Task WhenReceiving => _receiving.Task;

    internal void MarkReceiving() => _receiving.TrySetResult();

    private volatile Func<bool> _receivingNow = () => false;

    /// <summary>
    /// Messages can flow now: unlike <see cref="WhenReceiving"/> (the first time), false again while the external
    /// broker's connection is down or not yet subscribed again, and after the bridge stopped.
    /// </summary>
    public bool IsReceiving => _receiving.Task.IsCompleted && _receivingNow();

    internal void Track(Func<bool> receivingNow) => _receivingNow = receivingNow;
}
