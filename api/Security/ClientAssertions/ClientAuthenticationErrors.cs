using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace DxyqOpenData.Api.Security.ClientAssertions;

/// <summary>
/// RFC 6749 §5.2: a client whose authentication fails gets <c>invalid_client</c> (401). OpenIddict 7.8 answers a bad
/// client assertion with whatever its token validation said (<c>invalid_token</c>, <c>invalid_request</c>,
/// <c>invalid_grant</c>, as 400). These handlers mark the stretch of the authentication that checks the assertion and,
/// when the answer is an error raised inside it, make that error <c>invalid_client</c>, keeping its description.
/// </summary>
public static class ClientAuthenticationErrors
{
    private const string Pending = "dxyq:client-assertion-pending";
    private static readonly object PendingMark = new();

    public static IEnumerable<OpenIddictServerHandlerDescriptor> Descriptors =>
        [Begin.Descriptor, End.Descriptor, Answer.Descriptor];

    public sealed class Begin : IOpenIddictServerHandler<ProcessAuthenticationContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessAuthenticationContext>()
            .UseSingletonHandler<Begin>()
            .SetOrder(OpenIddictServerHandlers.ValidateClientAssertion.Descriptor.Order - 1)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

        public ValueTask HandleAsync(ProcessAuthenticationContext context)
        {
            if (!string.IsNullOrEmpty(context.ClientAssertion)) context.Transaction.SetProperty(Pending, PendingMark);
            return default;
        }
    }

    public sealed class End : IOpenIddictServerHandler<ProcessAuthenticationContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessAuthenticationContext>()
            .UseSingletonHandler<End>()
            .SetOrder(OpenIddictServerHandlers.ValidateClientAssertionIssuer.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

        public ValueTask HandleAsync(ProcessAuthenticationContext context)
        {
            context.Transaction.SetProperty<object>(Pending, null);
            return default;
        }
    }

    public sealed class Answer : IOpenIddictServerHandler<ApplyTokenResponseContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyTokenResponseContext>()
            .UseSingletonHandler<Answer>()
            .SetOrder(int.MinValue + 100_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

        public ValueTask HandleAsync(ApplyTokenResponseContext context)
        {
            if (ReferenceEquals(context.Transaction.GetProperty<object>(Pending), PendingMark) && !string.IsNullOrEmpty(context.Response.Error))
            {
                context.Response.Error = Errors.InvalidClient;
            }
            return default;
        }
    }
}
