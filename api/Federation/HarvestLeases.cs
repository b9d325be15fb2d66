using DxyqOpenData.Api.Data.Leases;
using DxyqOpenData.Federation;

namespace DxyqOpenData.Api.Federation;

/// <summary>
/// The harvest of a peer runs on one node of several on this database: lease <c>harvest:{peer}</c>, renewed while the
/// harvest runs (a page waits at most <c>Federation:Harvest:Timeout</c>), given back at its end. The background harvest
/// also takes the turn, lease <c>harvest-turn:{peer}</c>, kept until it runs out: one node per interval.
/// </summary>
public sealed class HarvestLeases(IServiceScopeFactory scopes, HarvestOptions harvest, ILogger<HarvestLeases> logger) : IHarvestLeases
{
    public async Task<IAsyncDisposable?> TryHoldAsync(string peer, CancellationToken cancellation) =>
        await LeaseHold.TryTakeAsync(scopes, $"harvest:{peer}", harvest.Timeout * 2, logger, cancellation);

    public async Task<bool> TryTakeTurnAsync(string peer, TimeSpan turn, CancellationToken cancellation)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<Leases>().TryAcquireAsync($"harvest-turn:{peer}", turn, cancellation);
    }
}
