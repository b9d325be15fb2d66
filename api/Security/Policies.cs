using System.Security.Claims;
using DxyqOpenData.Api.Alerts;
using DxyqOpenData.Api.ServiceRecords;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;

namespace DxyqOpenData.Api.Security;

/// <summary>
/// Every route names one of these. Anything that names none falls to the fallback policy, which refuses.
/// </summary>
public static class Policies
{
    /// <summary>The public catalog and the shared schemas: anyone, signed in or not.</summary>
    public const string PublicCatalog = "public-catalog";
    /// <summary>Records with personal or supervisory data: a signed-in unit (its own rows only) or an administrator.</summary>
    public const string UnitRecords = "unit-records";
    /// <summary>Operations endpoints (health, metrics, Swagger): anyone.</summary>
    public const string Operations = "operations";

    public const string UnitIdClaim = "unit_id";
    public const string ScopeClaim = "scope";

    public static IHostApplicationBuilder AddCatalogSecurity(this IHostApplicationBuilder builder)
    {
        // Until the token server arrives every bearer is unknown: a protected set answers 401, never data.
        builder.Services.AddAuthentication(NoTokensYetHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, NoTokensYetHandler>(NoTokensYetHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(PublicCatalog, p => p.RequireAssertion(_ => true))
            .AddPolicy(Operations, p => p.RequireAssertion(_ => true))
            .AddPolicy(UnitRecords, p => p.RequireAuthenticatedUser().RequireAssertion(c =>
                c.User.HasScope("admin") || (c.User.HasScope("records.read") && c.User.FindFirst(UnitIdClaim) is not null)))
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAssertion(_ => false).Build());
        return builder;
    }

    public static bool HasScope(this ClaimsPrincipal user, string scope) =>
        user.FindAll(ScopeClaim).Any(c => c.Value.Split(' ').Contains(scope, StringComparer.Ordinal));

    public static IQueryable<ServiceRecord> VisibleTo(this IQueryable<ServiceRecord> records, ClaimsPrincipal user) =>
        user.HasScope("admin") ? records : records.Where(r => r.UnitId == UnitOf(user));

    public static IQueryable<Alert> VisibleTo(this IQueryable<Alert> alerts, ClaimsPrincipal user) =>
        user.HasScope("admin") ? alerts : alerts.Where(a => a.UnitId == UnitOf(user));

    private static string UnitOf(ClaimsPrincipal user) => user.FindFirst(UnitIdClaim)?.Value ?? "\0no unit";
}
