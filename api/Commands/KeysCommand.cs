using System.Text.Json;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Security;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Commands;

/// <summary>
/// <c>keys list|rotate|prune</c>: the token signing keys in the database (never printed). A rotation takes effect on
/// each instance at its next start; retired keys keep validating until pruned. See docs/security.md.
/// </summary>
public static class KeysCommand
{
    private const string Usage = "usage: keys list | keys rotate | keys prune   (prune: removes keys retired longer ago than Auth:AccessTokenLifetime)";

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (services.GetRequiredService<DatabaseOptions>().MigrateOnStartup)
        {
            await DatabaseSetup.MigrateAsync(services);
        }
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        switch (args)
        {
            case ["list"]:
                break;
            case ["rotate"]:
                await SigningKeyStore.RotateAsync(db, now);
                await stderr.WriteLineAsync("A new signing key was added. Restart every instance: the new key signs from then on; the old one keeps validating.");
                break;
            case ["prune"]:
                var before = now - services.GetRequiredService<AuthOptions>().AccessTokenLifetime;
                await db.SigningKeys.Where(k => k.RetiredAt != null && k.RetiredAt < before).ExecuteDeleteAsync();
                break;
            default:
                await stderr.WriteLineAsync(Usage);
                return 2;
        }
        foreach (var key in await db.SigningKeys.OrderBy(k => k.Generation).ToListAsync())
        {
            await stdout.WriteLineAsync(JsonSerializer.Serialize(new { id = key.Id, createdAt = key.CreatedAt, retiredAt = key.RetiredAt }));
        }
        return 0;
    }
}
