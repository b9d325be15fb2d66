using System.Linq.Expressions;
using System.Security.Cryptography;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Federation;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Federation;

/// <summary>The federation's link key: configured, or generated once and kept in <c>node_settings</c>.</summary>
public static class FederationLinkKey
{
    public const string SettingName = "federation.link-key";

    public static async Task LoadAsync(IServiceProvider services, CancellationToken cancellation = default)
    {
        var options = services.GetRequiredService<FederationOptions>();
        if (options.LinkKeyConfigured)
        {
            return;
        }
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
        NodeSetting? stored;
        try
        {
            stored = await db.NodeSettings.AsNoTracking().SingleOrDefaultAsync(s => s.Name == SettingName, cancellation);
        }
        catch (System.Data.Common.DbException e)
        {
            // Not migrated yet (Database:MigrateOnStartup off, /health/ready says so): a key for this process only.
            scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(FederationLinkKey))
                .LogWarning("No stored federation link key ({Message}); nextLinks of this process die with it", e.Message);
            return;
        }
        if (stored is null)
        {
            db.NodeSettings.Add(new NodeSetting { Name = SettingName, Value = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), CreatedAt = DateTime.UtcNow });
            try
            {
                await db.SaveChangesAsync(cancellation);
            }
            catch (DbUpdateException)
            {
                // Another instance made it first: use its key.
            }
            db.ChangeTracker.Clear();
            stored = await db.NodeSettings.AsNoTracking().SingleAsync(s => s.Name == SettingName, cancellation);
        }
        options.LinkKeyBytes = Convert.FromBase64String(stored.Value);
    }
}
