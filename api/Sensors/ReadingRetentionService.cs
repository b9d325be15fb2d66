using DxyqOpenData.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Sensors;

/// <summary>
/// Purges raw sensor readings older than <c>SensorBridge:ReadingRetentionDays</c> (default 30; 0 keeps them for ever),
/// once shortly after start and then every hour. Sessions and daily rollups are kept.
/// </summary>
internal sealed class ReadingRetentionService(IServiceScopeFactory scopes, ReadingRetentionOptions options, TimeProvider clock, ILogger<ReadingRetentionService> logger)
    : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(30), clock, stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await PurgeAsync(stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning(e, "Could not purge old sensor readings; trying again in {Interval}", Interval);
                }
                await Task.Delay(Interval, clock, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Deletes the readings past retention; returns how many.</summary>
    public async Task<int> PurgeAsync(CancellationToken cancellationToken)
    {
        var days = options.ReadingRetentionDays;
        if (days <= 0) return 0;
        var cutoff = clock.GetUtcNow().UtcDateTime.AddDays(-days);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
        var purged = await db.SensorReadings.Where(r => r.Ts < cutoff).ExecuteDeleteAsync(cancellationToken);
        if (purged > 0)
        {
            logger.LogInformation("Purged {Count} sensor readings older than {Cutoff:o}", purged, cutoff);
        }
        return purged;
    }
}
