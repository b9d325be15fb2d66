namespace DxyqOpenData.Federation;

/// <summary>
/// Which of several nodes on one database harvests a peer now, implemented by the host (a lease in its database).
/// Without an implementation every harvest runs (<see cref="Unshared"/>: one node).
/// </summary>
public interface IHarvestLeases
{
    /// <summary>The peer's harvest lease, held (and renewed) until disposed; null while another node harvests the peer.</summary>
    Task<IAsyncDisposable?> TryHoldAsync(string peer, CancellationToken cancellation);

    /// <summary>For a node alone on its database: every harvest runs.</summary>
    public sealed class Unshared : IHarvestLeases
    {
        private sealed class Nothing : IAsyncDisposable
        {
            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }

        public Task<IAsyncDisposable?> TryHoldAsync(string peer, CancellationToken cancellation) => Task.FromResult<IAsyncDisposable?>(new Nothing());
    }
}
