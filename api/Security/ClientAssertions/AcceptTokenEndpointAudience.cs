using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace DxyqOpenData.Api.Security.ClientAssertions;

/// <summary>
/// OpenIddict 7.8 validates a client assertion's <c>aud</c> against the issuer only (<c>ValidateClientAssertion</c> fills
/// <c>ValidAudiences</c> with it); RFC 7523 also allows the token endpoint URL, which most client libraries send. This
/// adds the token endpoint before <c>ValidateAudiences</c> runs, for client assertions only.
/// </summary>
public sealed class AcceptTokenEndpointAudience : IOpenIddictServerHandler<ValidateTokenContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
        .UseSingletonHandler<AcceptTokenEndpointAudience>()
        .SetOrder(OpenIddictServerHandlers.Protection.ValidateAudiences.Descriptor.Order - 500)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(ValidateTokenContext context)
    {
        if (context.ValidTokenTypes.Contains(TokenTypeIdentifiers.Private.ClientAssertion) && context.ValidAudiences.Count > 0)
        {
            context.ValidAudiences.UnionWith(ClientAssertionAudiences.For(context.Options, context.BaseUri));
        }
        return default;
    }
}
