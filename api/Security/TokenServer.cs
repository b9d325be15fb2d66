using DxyqOpenData.Api.Operations;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Security.ClientAssertions;
using Microsoft.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;
using OpenIddict.Validation.AspNetCore;

namespace DxyqOpenData.Api.Security;

/// <summary>
/// OAuth 2.0 in the host: the OpenIddict token server at <c>/connect/token</c> (client credentials only; client
/// secret basic/post and <c>private_key_jwt</c>), and validation of its JWT access tokens on every request. See
/// docs/security.md.
/// </summary>
public static class TokenServer
{
    public const string TokenPath = "/connect/token";

    public static IHostApplicationBuilder AddCatalogSecurity(this IHostApplicationBuilder builder)
    {
        var nodeCode = NodeOptions.Of(builder).Code.ToLowerInvariant();
        var auth = builder.AddSettings<AuthOptions>("Auth", o => o.Audience ??= $"dxyq-{nodeCode}");
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<SigningKeyStore>();

        builder.Services.AddOpenIddict()
            .AddCore(o => o.UseEntityFrameworkCore().UseDbContext<CatalogDbContext>())
            .AddServer(o =>
            {
                o.SetTokenEndpointUris(TokenPath.TrimStart('/'));
                o.SetConfigurationEndpointUris(".well-known/openid-configuration");
                o.SetJsonWebKeySetEndpointUris(".well-known/jwks");
                o.AllowClientCredentialsFlow();
                o.RegisterScopes([.. Scopes.All]);
                // Unset, OpenIddict takes the issuer from the request, so discovery's issuer and endpoints agree on any address.
                if (auth.Issuer is not null)
                {
                    o.SetIssuer(new Uri(auth.Issuer, UriKind.Absolute));
                }
                o.SetAccessTokenLifetime(auth.AccessTokenLifetime);
                // Peers and resource servers validate our tokens with the public JWKS: signed, not encrypted.
                o.DisableAccessTokenEncryption();
                // Access tokens are self-contained and short-lived; nothing is written per token request.
                o.DisableTokenStorage();
                // OpenIddict wants an encryption key registered, but with client credentials only and unencrypted access
                // tokens nothing is ever encrypted with it, so it need not survive a restart. Signing keys do: see
                // SigningKeyStore.
                o.AddEphemeralEncryptionKey();
                // private_key_jwt as RFC 7523 and RFC 6749 have it (ClientAssertions/).
                o.AddEventHandler(AcceptTokenEndpointAudience.Descriptor);
                o.AddEventHandler(ClientAssertionRules.Descriptor);
                foreach (var handler in ClientAuthenticationErrors.Descriptors)
                {
                    o.AddEventHandler(handler);
                }
                o.AddEventHandler(SigningAlgorithmsMetadata.Descriptor);
                var aspNetCore = o.UseAspNetCore().EnableTokenEndpointPassthrough();
                if (!auth.RequireHttps)
                {
                    aspNetCore.DisableTransportSecurityRequirement();
                }
            })
            .AddValidation(o =>
            {
                o.UseLocalServer();
                o.AddAudiences(auth.Audience!);
                o.AddEventHandler(RejectTokensNotYetValid.Descriptor);
                // Tokens only in the Authorization header: URLs and forms end up in logs (BearerTokenGate says so to a client).
                o.UseAspNetCore().DisableAccessTokenExtractionFromQueryString().DisableAccessTokenExtractionFromBodyForm();
            });
        builder.Services.ConfigureOptions<SigningKeyConfiguration>();

        builder.Services.AddAuthentication(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme);
        builder.AddCatalogPolicies();
        return builder;
    }

    /// <summary>OpenIddict's tables, named like ours (snake_case, <c>openiddict_</c> prefix).</summary>
    public static ModelBuilder UseTokenServerTables(this ModelBuilder modelBuilder)
    {
        modelBuilder.UseOpenIddict();
        modelBuilder.Entity<OpenIddictEntityFrameworkCoreApplication>().ToTable("openiddict_applications");
        modelBuilder.Entity<OpenIddictEntityFrameworkCoreAuthorization>().ToTable("openiddict_authorizations");
        modelBuilder.Entity<OpenIddictEntityFrameworkCoreScope>().ToTable("openiddict_scopes");
        modelBuilder.Entity<OpenIddictEntityFrameworkCoreToken>().ToTable("openiddict_tokens");
        return modelBuilder;
    }
}
