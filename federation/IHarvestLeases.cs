namespace DxyqOpenData.Federation;

/// <summary>
/// Which of several nodes on one database harvests a peer now, implemented by the host (a lease in its database).
/// Without an implementation every harvest runs (<see cref="Unshared"/>: one node).
/// </summary>
public interface IHarvestLeases
{
    /// <summary>The peer's harvest lease, held (and renewed) until disposed; null while another node harvests the peer.</summary>
    Task<IAsyncDisposable?> TryHoldAsync(string peer, CancellationToken cancellation);

    /// <summary>
    /// Whether this node has the background harvest of the peer for the next <paramref name="turn"/>: of several nodes,
    /// one per turn, so the peer is harvested once per interval, not once per node (an asked-for harvest needs no turn).
    /// </summary>
    Task<bool> TryTakeTurnAsync(string peer, TimeSpan turn, CancellationToken cancellation);

    /// <summary>For a node alone on its database: every harvest runs.</summary>
    public sealed class Unshared : IHarvestLeases
    {
        private sealed class Nothing : IAsyncDisposable
        {
            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }

        public Task<IAsyncDisposable?> TryHoldAsync(string peer, CancellationToken cancellation) => Task.FromResult<IAsyncDisposable?>(new Nothing());

        public Task<bool> TryTakeTurnAsync(string peer, TimeSpan turn, CancellationToken cancellation) => Task.FromResult(true);
    }
}
