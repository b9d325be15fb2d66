namespace DxyqOpenData.Api.Supervision;

/// <summary>
/// Runs the supervision sweep in the background: once shortly after start, then every <c>Supervision:Sweep:Interval</c>.
/// On several nodes the lease lets one sweep at a time; the others skip their turn.
/// </summary>
internal sealed class SweepService(IServiceScopeFactory scopes, SupervisionOptions options, ILogger<SweepService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Sweep.Interval);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
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
}
