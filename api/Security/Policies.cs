using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;

namespace DxyqOpenData.Api.Security;

/// <summary>
/// Every route names one of these. Anything that names none falls to the fallback policy, which refuses. No token
/// (or one the node does not accept) on a protected route is 401; a valid token without the scope or unit is 403.
/// </summary>
public static class Policies
{
    /// <summary>The public catalog and the shared schemas: anyone, signed in or not.</summary>
    public const string PublicCatalog = "public-catalog";
    /// <summary>Operations endpoints (health, metrics, Swagger) and the token endpoint: anyone.</summary>
    public const string Operations = "operations";
    /// <summary>Alerts: a unit client with <c>records.read</c> (its own rows, see <see cref="RecordVisibility"/>) or an administrator.</summary>
    public const string UnitRecords = "unit-records";
    /// <summary>Service records: as <see cref="UnitRecords"/>, and voucher systems (<c>vouchers</c>) for voucher-paid records.</summary>
    public const string ServiceRecords = "service-records";
    /// <summary>Pushes and imports of a unit's catalog: <c>catalog.write</c> and a unit (write only that unit's rows).</summary>
    public const string UnitCatalogWrite = "unit-catalog-write";
    /// <summary>Pushes and imports of a unit's service records: <c>records.write</c> and a unit.</summary>
    public const string UnitRecordsWrite = "unit-records-write";

    /// <summary>Voucher claims and reconciliations: a voucher system's client, <c>vouchers</c> and bound to no unit.</summary>
    public const string VoucherSystem = "voucher-system";

    /// <summary>The policy that requires one scope and nothing else, e.g. <c>Policies.Scope(Scopes.Federation)</c>.</summary>
    public static string Scope(string scope) => $"scope:{scope}";

    public const string UnitIdClaim = "unit_id";

    public static IHostApplicationBuilder AddCatalogPolicies(this IHostApplicationBuilder builder)
    {
        var authorization = builder.Services.AddAuthorizationBuilder()
            .AddPolicy(PublicCatalog, p => p.RequireAssertion(_ => true))
            .AddPolicy(Operations, p => p.RequireAssertion(_ => true))
            .AddPolicy(UnitRecords, p => p.RequireAuthenticatedUser().RequireAssertion(c =>
                c.User.HasScope(Scopes.Admin) || c.User.ReadsOwnUnit()))
            .AddPolicy(ServiceRecords, p => p.RequireAuthenticatedUser().RequireAssertion(c =>
                c.User.HasScope(Scopes.Admin) || c.User.ReadsOwnUnit() || c.User.HasScope(Scopes.Vouchers)))
            .AddPolicy(UnitCatalogWrite, p => p.RequireAuthenticatedUser().RequireAssertion(c =>
                c.User.HasScope(Scopes.CatalogWrite) && c.User.UnitId() is not null))
            .AddPolicy(UnitRecordsWrite, p => p.RequireAuthenticatedUser().RequireAssertion(c =>
                c.User.HasScope(Scopes.RecordsWrite) && c.User.UnitId() is not null))
            .AddPolicy(VoucherSystem, p => p.RequireAuthenticatedUser().RequireAssertion(c =>
                c.User.HasScope(Scopes.Vouchers) && c.User.UnitId() is null))
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAssertion(_ => false).Build());
        foreach (var scope in Scopes.All)
        {
            authorization.AddPolicy(Scope(scope), p => p.RequireAuthenticatedUser().RequireAssertion(c => c.User.HasScope(scope)));
        }
        return builder;
    }

    /// <summary>The unit (unified social credit code) the client is bound to; null for peers, voucher systems and administrators.</summary>
    public static string? UnitId(this ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true ? user.FindFirst(UnitIdClaim)?.Value : null;

    /// <summary>Whether the token was granted <paramref name="scope"/>.</summary>
    public static bool HasScope(this ClaimsPrincipal user, string scope) =>
        user.Identity?.IsAuthenticated == true
        // OpenIddict maps the token's space-separated "scope" to one private claim per scope.
        && (OpenIddict.Abstractions.OpenIddictExtensions.HasScope(user, scope)
            || user.FindAll(OpenIddict.Abstractions.OpenIddictConstants.Claims.Scope).Any(c => c.Value.Split(' ').Contains(scope, StringComparer.Ordinal)));

    /// <summary>A unit client allowed to read its own unit's records.</summary>
    public static bool ReadsOwnUnit(this ClaimsPrincipal user) => user.HasScope(Scopes.RecordsRead) && user.UnitId() is not null;
}
