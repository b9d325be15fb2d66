namespace DxyqOpenData.SensorBridge.Pipeline;

/// <summary>
/// Who turns stored readings into sessions: one bridge at a time among those sharing a store. The host's implementation
/// is a lease in its database; without one (<see cref="SoleBridgeLease"/>) the bridge is taken to be the only one.
/// </summary>
public interface ISessionLease
{
    /// <summary>A hold on the sessions, given back when disposed; null when another bridge holds them.</summary>
    Task<IAsyncDisposable?> TryTakeAsync(CancellationToken cancellationToken);
}

/// <summary>The lease of a bridge that is alone on its store: always granted.</summary>
public sealed class SoleBridgeLease : ISessionLease
{
    public Task<IAsyncDisposable?> TryTakeAsync(CancellationToken cancellationToken) => Task.FromResult<IAsyncDisposable?>(new Hold());

    private sealed class Hold : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
