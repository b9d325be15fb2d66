using OpenIddict.Server;

namespace DxyqOpenData.Api.Security.ClientAssertions;

/// <summary>
/// What a client assertion may name as its <c>aud</c> (RFC 7523 §3): this server's issuer, or its token endpoint URL, as
/// the discovery document gives them (the configured issuer, else the address the request came to).
/// </summary>
internal static class ClientAssertionAudiences
{
    public static IReadOnlyList<string> For(OpenIddictServerOptions options, Uri? baseUri)
    {
        var issuer = options.Issuer ?? baseUri;
        if (issuer is null || !issuer.IsAbsoluteUri) return [];
        var root = issuer.AbsoluteUri.EndsWith('/') ? issuer : new Uri(issuer.AbsoluteUri + "/");
        List<string> audiences = [root.AbsoluteUri, root.AbsoluteUri.TrimEnd('/')];
        foreach (var endpoint in options.TokenEndpointUris)
        {
            var absolute = endpoint.IsAbsoluteUri ? endpoint : new Uri(root, endpoint);
            audiences.Add(absolute.AbsoluteUri);
        }
        return audiences;
    }
}
