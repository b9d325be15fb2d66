using DxyqOpenData.Api.Data.Leases;

namespace DxyqOpenData.Api.Supervision;

/// <summary>
/// Runs the supervision sweep in the background: once shortly after start, then every <c>Supervision:Sweep:Interval</c>.
/// Of several nodes on one database, the node that takes the interval's turn (lease <c>supervision-sweep-turn</c>, for
/// 90% of the interval and not given back) sweeps; the others skip it. The sweep's own lease keeps any two sweeps (a
/// turn and <c>POST /api/v1/supervision/sweep</c>) from running at once.
/// </summary>
internal sealed class SweepService(IServiceScopeFactory scopes, SupervisionOptions options, ILogger<SweepService> logger) : BackgroundService
{
    public const string TurnLease = "supervision-sweep-turn";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Sweep.Interval);
        try
        {
            do
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    if (!await scope.ServiceProvider.GetRequiredService<Leases>().TryAcquireAsync(TurnLease, options.Sweep.Interval * 0.9, stoppingToken))
                    {
                        logger.LogDebug("Supervision sweep: another node has this turn");
                        continue;
                    }
                    var result = await scope.ServiceProvider.GetRequiredService<AlertSweep>().RunAsync(stoppingToken);
                    if (!result.Ran)
                    {
                        logger.LogDebug("Supervision sweep skipped: {Holder} holds the lease", result.HeldBy);
                    }
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    // The next turn tries again: a sweep is a whole transaction, so a failed one left nothing half-done.
                    logger.LogError(e, "Supervision sweep failed");
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
