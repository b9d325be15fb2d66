namespace DxyqOpenData.SensorBridge;

/// <summary>Whether the bridge is up: for health checks and for tests that must wait until devices can connect.</summary>
public sealed class BridgeStatus
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Sensors are loaded and the broker (or the external client's monitoring loop) is started.</summary>
    public bool IsStarted => _started.Task.IsCompleted;

    public Task WhenStarted => _started.Task;

    internal void MarkStarted() => _started.TrySetResult();
}
