using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace DxyqOpenData.Api.Security;

/// <summary>
/// <c>POST /connect/token</c>. OpenIddict has already authenticated the client (secret or client assertion), checked
/// the grant type and that every requested scope is one the client was registered with; this builds the token.
/// </summary>
public static class TokenEndpoint
{
    /// <summary>Where a client's unit (credit code) is kept among the application's properties.</summary>
    public const string UnitProperty = "unit_id";

    /// <summary>
    /// Before OpenIddict reads a token request: a form ASP.NET Core cannot read (a NUL character, a key past its length
    /// limit, a broken encoding) is the client's error, answered as RFC 6749 §5.2 says (400 <c>invalid_request</c>),
    /// where OpenIddict's own read would throw and make it a 500.
    /// </summary>
    public static IApplicationBuilder UseTokenRequestForms(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (HttpMethods.IsPost(context.Request.Method) && context.Request.Path.Equals(TokenServer.TokenPath, StringComparison.OrdinalIgnoreCase)
            && context.Request.HasFormContentType)
        {
            try
            {
                await context.Request.ReadFormAsync(context.RequestAborted);
            }
            catch (InvalidDataException e)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                context.Response.Headers.CacheControl = "no-store";
                await context.Response.WriteAsJsonAsync(new Dictionary<string, string>
                {
                    [Parameters.Error] = Errors.InvalidRequest,
                    [Parameters.ErrorDescription] = "The form cannot be read: " + e.Message,
                }, context.RequestAborted);
                return;
            }
        }
        await next(context);
    });

    public static IEndpointRouteBuilder MapTokenEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapPost(TokenServer.TokenPath, IssueAsync)
            .RequireAuthorization(Policies.Operations)
            .ExcludeFromDescription(); // described by the oauth2 security scheme of the OpenAPI document
        return app;
    }

    private static async Task<IResult> IssueAsync(HttpContext context, IOpenIddictApplicationManager applications, AuthOptions auth, SigningKeyStore keys)
    {
        if (!keys.Available)
        {
            return Forbid(Errors.TemporarilyUnavailable, "The node's signing keys are not available yet.");
        }
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenIddict server request cannot be retrieved.");
        if (!request.IsClientCredentialsGrantType() || await applications.FindByClientIdAsync(request.ClientId!) is not { } application)
        {
            return Forbid(Errors.UnsupportedGrantType, "Only the client credentials grant is supported.");
        }

        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, request.ClientId);
        identity.SetClaim(Claims.Name, await applications.GetDisplayNameAsync(application));
        var properties = await applications.GetPropertiesAsync(application);
        if (properties.TryGetValue(UnitProperty, out var unit) && unit.ValueKind == JsonValueKind.String)
        {
            identity.SetClaim(Policies.UnitIdClaim, unit.GetString());
        }

        // No scope asked for: every scope the client was registered with.
        var scopes = request.GetScopes();
        if (scopes.IsEmpty)
        {
            var permissions = await applications.GetPermissionsAsync(application);
            scopes = [.. permissions.Where(p => p.StartsWith(Permissions.Prefixes.Scope, StringComparison.Ordinal))
                .Select(p => p[Permissions.Prefixes.Scope.Length..])];
        }
        identity.SetScopes(scopes);
        identity.SetResources(auth.Audience!);
        identity.SetDestinations(_ => [Destinations.AccessToken]);

        return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static IResult Forbid(string error, string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
