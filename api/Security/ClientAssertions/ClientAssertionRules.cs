using DxyqOpenData.Api.Data;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace DxyqOpenData.Api.Security.ClientAssertions;

/// <summary>
/// What this node asks of a client assertion beyond OpenIddict 7.8's own checks (signature by the client's registered
/// key, type, issuer = subject = client, <c>exp</c> passed, an <c>aud</c> naming this server): a <c>jti</c>, used once
/// (<see cref="UsedClientAssertion"/>), an <c>exp</c> at most <c>Auth:MaxClientAssertionLifetime</c> ahead, no
/// <c>nbf</c> in the future. Runs right after the signature check. An <c>aud</c> array is narrowed to the entry that
/// names this server, because OpenIddict's next check accepts exactly one audience and RFC 7523 allows several.
/// </summary>
public sealed class ClientAssertionRules(CatalogDbContext db, AuthOptions auth) : IOpenIddictServerHandler<ProcessAuthenticationContext>
{
    public const int MaxJtiLength = 200;

    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessAuthenticationContext>()
        .AddFilter<OpenIddictServerHandlerFilters.RequireClientAssertionPrincipal>()
        .UseScopedHandler<ClientAssertionRules>()
        .SetOrder(OpenIddictServerHandlers.ValidateClientAssertion.Descriptor.Order + 500)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public async ValueTask HandleAsync(ProcessAuthenticationContext context)
    {
        var principal = context.ClientAssertionPrincipal!;
        var now = context.Options.TimeProvider.GetUtcNow();
        var skew = context.Options.TokenValidationParameters.ClockSkew;

        var ours = ClientAssertionAudiences.For(context.Options, context.BaseUri);
        if (principal.GetAudiences().FirstOrDefault(a => ours.Contains(a, StringComparer.Ordinal)) is { } audience)
        {
            principal.SetAudiences(audience);
        }
        if (principal.GetClaims(Claims.JwtId) is not [{ Length: > 0 and <= MaxJtiLength } jti])
        {
            context.Reject(Errors.InvalidClient, $"The client assertion must carry one 'jti' (at most {MaxJtiLength} characters), new for each request.");
            return;
        }
        var expires = TokenTimes.Expires(principal);
        if (expires is { } exp && exp - now > auth.MaxClientAssertionLifetime + skew)
        {
            context.Reject(Errors.InvalidClient, $"The client assertion's 'exp' is too far ahead: at most {auth.MaxClientAssertionLifetime.TotalMinutes:0} minutes from now.");
            return;
        }
        if (TokenTimes.NotBefore(principal) is { } notBefore && notBefore - skew > now)
        {
            context.Reject(Errors.InvalidClient, $"The client assertion is not valid before {notBefore:O}.");
            return;
        }
        if (!await FirstUseAsync(principal.GetClaim(Claims.Issuer)!, jti, (expires ?? now + auth.MaxClientAssertionLifetime) + skew, now))
        {
            context.Reject(Errors.InvalidClient, "The client assertion's 'jti' was used before: make a new assertion for each request.");
        }
    }

    /// <summary>Records the assertion; false when this client used the jti before (and the record has not expired).</summary>
    private async Task<bool> FirstUseAsync(string clientId, string jti, DateTimeOffset keepUntil, DateTimeOffset now)
    {
        var cutoff = now.UtcDateTime;
        await db.Set<UsedClientAssertion>().Where(a => a.ExpiresAt < cutoff).ExecuteDeleteAsync();
        var used = db.Set<UsedClientAssertion>().AsNoTracking().Where(a => a.ClientId == clientId && a.Jti == jti);
        if (await used.AnyAsync()) return false;
        var entry = db.Add(new UsedClientAssertion { ClientId = clientId, Jti = jti, ExpiresAt = keepUntil.UtcDateTime });
        try
        {
            await db.SaveChangesAsync();
            return true;
        }
        catch (DbUpdateException)
        {
            entry.State = EntityState.Detached;
            // Two requests with one assertion at once: the key's conflict is the replay; any other failure is the database's.
            if (await used.AnyAsync()) return false;
            throw;
        }
    }
}
