using DxyqOpenData.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DxyqOpenData.Api.Operations;

/// <summary>
/// Ready means the database answers and its schema is the one this build expects: a node started with
/// <c>Database:MigrateOnStartup=false</c> stays unready until someone applies the migrations.
/// </summary>
internal sealed class DatabaseReadyCheck(CatalogDbContext db) : IHealthCheck
{
    public const string Name = "database";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var provider = new Dictionary<string, object> { ["provider"] = db.Database.ProviderName ?? "unknown" };
        if (!await db.Database.CanConnectAsync(cancellationToken))
        {
            NodeMetrics.DatabaseReady.Set(0);
            return HealthCheckResult.Unhealthy("The database cannot be reached, or does not exist.", data: provider);
        }

        // No history table yet means nothing applied; asking EF for pending migrations would log a failed query.
        var pending = await db.GetService<IHistoryRepository>().ExistsAsync(cancellationToken)
            ? (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToArray()
            : db.Database.GetMigrations().ToArray();
        NodeMetrics.PendingMigrations.Set(pending.Length);
        NodeMetrics.DatabaseReady.Set(pending.Length == 0 ? 1 : 0);
        if (pending.Length > 0)
        {
            provider["pendingMigrations"] = pending;
            return HealthCheckResult.Unhealthy($"{pending.Length} migration(s) not applied.", data: provider);
        }
        return HealthCheckResult.Healthy("Reachable, schema up to date.", provider);
    }
}
