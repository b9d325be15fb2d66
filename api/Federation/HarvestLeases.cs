using DxyqOpenData.Api.Data.Leases;
using DxyqOpenData.Federation;

namespace DxyqOpenData.Api.Federation;

/// <summary>
/// The harvest of a peer runs on one node of several on this database: lease <c>harvest:{peer}</c>, renewed while the
/// harvest runs (a page waits at most <c>Federation:Harvest:Timeout</c>), given back at its end.
/// </summary>
public sealed class HarvestLeases(IServiceScopeFactory scopes, HarvestOptions harvest, ILogger<HarvestLeases> logger) : IHarvestLeases
{
    public async Task<IAsyncDisposable?> TryHoldAsync(string peer, CancellationToken cancellation) =>
        await LeaseHold.TryTakeAsync(scopes, $"harvest:{peer}", harvest.Timeout * 2, logger, cancellation);
}
