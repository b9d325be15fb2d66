using System.Collections.Immutable;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace DxyqOpenData.Api.Security.ClientAssertions;

/// <summary>
/// Discovery's <c>token_endpoint_auth_signing_alg_values_supported</c> (OpenID Connect Discovery §3), which OpenIddict
/// 7.8 leaves out: the algorithms a <c>private_key_jwt</c> assertion may be signed with, for the RSA and EC keys a
/// client registers (<c>clients add --jwks</c>).
/// </summary>
public sealed class SigningAlgorithmsMetadata : IOpenIddictServerHandler<HandleConfigurationRequestContext>
{
    public static readonly ImmutableArray<string?> Algorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];

    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleConfigurationRequestContext>()
        .UseSingletonHandler<SigningAlgorithmsMetadata>()
        .SetOrder(OpenIddictServerHandlers.Discovery.AttachClientAuthenticationMethods.Descriptor.Order + 500)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(HandleConfigurationRequestContext context)
    {
        context.Metadata["token_endpoint_auth_signing_alg_values_supported"] = new OpenIddictParameter(Algorithms);
        return default;
    }
}
