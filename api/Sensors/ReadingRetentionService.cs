using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Data.Leases;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Sensors;

/// <summary>
/// Purges raw sensor readings older than <c>SensorBridge:ReadingRetentionDays</c> (default 30; 0 keeps them for ever),
/// once shortly after start and then every <c>SensorBridge:ReadingRetentionInterval</c> (default 1 h). Sessions and daily
/// rollups are kept. Of several nodes on one database, the one that takes the interval's turn (lease
/// <see cref="TurnLease"/> for 90% of the interval, not given back) purges; the others skip that turn.
/// </summary>
internal sealed class ReadingRetentionService(IServiceScopeFactory scopes, ReadingRetentionOptions options, TimeProvider clock, ILogger<ReadingRetentionService> logger)
    : BackgroundService
{
    public const string TurnLease = "sensor-retention";

    /// <summary>The first purge waits this long (or the interval, if shorter): not in the way of the node's start.</summary>
    private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.ReadingRetentionDays <= 0) return;
        var interval = options.ReadingRetentionInterval;
        try
        {
            await Task.Delay(interval < FirstDelay ? interval : FirstDelay, clock, stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await PurgeAsync(stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning(e, "Could not purge old sensor readings; trying again in {Interval}", interval);
                }
                await Task.Delay(interval, clock, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Deletes the readings past retention if this node has the turn; returns how many.</summary>
    public async Task<int> PurgeAsync(CancellationToken cancellationToken)
    {
        var days = options.ReadingRetentionDays;
        if (days <= 0) return 0;
        var cutoff = clock.GetUtcNow().UtcDateTime.AddDays(-days);
        await using var scope = scopes.CreateAsyncScope();
        if (!await scope.ServiceProvider.GetRequiredService<Leases>().TryAcquireAsync(TurnLease, options.ReadingRetentionInterval * 0.9, cancellationToken))
        {
            logger.LogDebug("Sensor readings not purged: another node has this turn");
            return 0;
        }
        var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
        var purged = await db.SensorReadings.Where(r => r.Ts < cutoff).ExecuteDeleteAsync(cancellationToken);
        // One line per turn, 0 included: which node purged when is in the log (ClusterTests counts them).
        logger.LogInformation("Sensor readings purge: {Count} readings older than {Cutoff:o} deleted", purged, cutoff);
        return purged;
    }
}
