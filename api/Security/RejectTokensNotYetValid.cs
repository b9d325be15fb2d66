using OpenIddict.Validation;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Validation.OpenIddictValidationEvents;

namespace DxyqOpenData.Api.Security;

/// <summary>
/// Access tokens: OpenIddict 7.8's validation checks <c>exp</c> but not <c>nbf</c> (its IdentityModel pass runs with
/// lifetime checks off and only <c>ValidateExpirationDate</c> follows), so a token not valid yet would be accepted. This
/// refuses it, with the same clock skew as <c>exp</c>.
/// </summary>
public sealed class RejectTokensNotYetValid : IOpenIddictValidationHandler<ValidateTokenContext>
{
    public static OpenIddictValidationHandlerDescriptor Descriptor { get; } = OpenIddictValidationHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
        .UseSingletonHandler<RejectTokensNotYetValid>()
        .SetOrder(OpenIddictValidationHandlers.Protection.ValidateExpirationDate.Descriptor.Order + 500)
        .SetType(OpenIddictValidationHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(ValidateTokenContext context)
    {
        if (TokenTimes.NotBefore(context.Principal) is { } notBefore
            && notBefore - context.TokenValidationParameters.ClockSkew > context.Options.TimeProvider.GetUtcNow())
        {
            context.Reject(Errors.InvalidToken, $"The token is not valid before {notBefore:O}.");
        }
        return default;
    }
}
