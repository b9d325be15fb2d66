using System.Data.Common;
using System.Security.Cryptography;
using DxyqOpenData.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;

namespace DxyqOpenData.Api.Security;

/// <summary>
/// The signing keys: <c>Auth:SigningKey</c> when configured, otherwise the <c>signing_keys</c> table, whose first key
/// is created on first use. Loaded once per process, when the token server's options are first needed (after the
/// start-up migration); a rotation takes effect on each instance at its next start.
/// </summary>
public sealed class SigningKeyStore(IServiceScopeFactory scopes, AuthOptions auth, TimeProvider clock, ILogger<SigningKeyStore> logger)
{
    private const int KeySize = 2048;

    /// <summary>
    /// False when the keys could not be read (a database not yet migrated, with Database:MigrateOnStartup off): the
    /// node still answers health and public reads, and the token endpoint refuses to issue until the next start.
    /// </summary>
    public bool Available { get; private set; } = true;

    /// <summary>The keys to register, the one that signs first.</summary>
    public IReadOnlyList<RsaSecurityKey> Load()
    {
        if (auth.SigningKey is { Length: > 0 } pem)
        {
            return [ToSecurityKey("config", pem)];
        }
        try
        {
            var keys = LoadFromDatabase();
            Available = true;
            return keys;
        }
        catch (DbException e)
        {
            logger.LogError(e, "The token signing keys cannot be read from the database (is it migrated?): no token is issued until the node restarts with them.");
            Available = false;
            // OpenIddict needs a key to start; this one never signs anything (the token endpoint checks Available).
            return [new RsaSecurityKey(RSA.Create(KeySize)) { KeyId = "unavailable" }];
        }
    }

    private List<RsaSecurityKey> LoadFromDatabase()
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
        var keys = Read(db);
        if (!keys.Any(k => k.RetiredAt is null))
        {
            keys = Create(db, keys);
        }
        return keys.OrderBy(k => k.RetiredAt is null ? 0 : 1).ThenByDescending(k => k.Generation)
            .Select(k => ToSecurityKey(k.Id, k.Pem)).ToList();
    }

    /// <summary>Adds a key of the next generation that signs from the next start on; the current ones are retired.</summary>
    public static async Task<SigningKey> RotateAsync(CatalogDbContext db, DateTime now)
    {
        var keys = await db.SigningKeys.AsTracking().ToListAsync();
        foreach (var key in keys.Where(k => k.RetiredAt is null))
        {
            key.RetiredAt = now;
        }
        var next = NewKey(keys.Select(k => k.Generation).DefaultIfEmpty(0).Max() + 1, now);
        db.SigningKeys.Add(next);
        await db.SaveChangesAsync();
        return next;
    }

    private static List<SigningKey> Read(CatalogDbContext db) => db.SigningKeys.AsNoTracking().ToList();

    /// <summary>
    /// Two instances starting on an empty table race for the same generation: the unique index lets one win, and
    /// the other reads the winner's key.
    /// </summary>
    private List<SigningKey> Create(CatalogDbContext db, List<SigningKey> existing)
    {
        var generation = existing.Select(k => k.Generation).DefaultIfEmpty(0).Max() + 1;
        db.SigningKeys.Add(NewKey(generation, clock.GetUtcNow().UtcDateTime));
        try
        {
            db.SaveChanges();
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
        }
        return Read(db);
    }

    private static SigningKey NewKey(int generation, DateTime now)
    {
        using var rsa = RSA.Create(KeySize);
        return new SigningKey { Id = $"sig-{generation}", Generation = generation, Pem = rsa.ExportPkcs8PrivateKeyPem(), CreatedAt = now };
    }

    private static RsaSecurityKey ToSecurityKey(string id, string pem)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        return new RsaSecurityKey(rsa) { KeyId = id };
    }
}

/// <summary>Registers the stored keys with the token server when its options are first built.</summary>
internal sealed class SigningKeyConfiguration(SigningKeyStore store) : IConfigureOptions<OpenIddictServerOptions>
{
    public void Configure(OpenIddictServerOptions options)
    {
        foreach (var key in store.Load())
        {
            options.SigningCredentials.Add(new SigningCredentials(key, SecurityAlgorithms.RsaSha256));
        }
    }
}
