using Microsoft.AspNetCore.Authentication;
using Microsoft.Net.Http.Headers;

namespace DxyqOpenData.Api.Security;

/// <summary>
/// A request that brings a token is served as its client or refused, on every route: a bearer token the node does not
/// accept (expired, not yet valid, foreign, tampered) answers 401 with <c>WWW-Authenticate: Bearer error="invalid_token"</c>
/// even where anonymous readers are welcome, so a client with a broken token learns it instead of silently reading the
/// anonymous view. A token in the query string (<c>?access_token=</c>, RFC 6750 §2.3) is not read (URLs end up in logs):
/// 401 <c>invalid_request</c> saying to send it in the Authorization header.
/// </summary>
public static class BearerTokenGate
{
    public static IApplicationBuilder UseBearerTokenGate(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        if (request.Query.ContainsKey("access_token"))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_request\", error_description=\"" +
                "A token in the query string is not accepted: send it as 'Authorization: Bearer TOKEN'.\"";
            return;
        }
        // The token endpoint authenticates clients itself (Basic or form), never with a bearer token.
        if (context.User.Identity?.IsAuthenticated != true && HasBearer(request)
            && !request.Path.Equals(TokenServer.TokenPath, StringComparison.OrdinalIgnoreCase))
        {
            await context.ChallengeAsync();
            return;
        }
        await next(context);
    });

    private static bool HasBearer(HttpRequest request) =>
        request.Headers[HeaderNames.Authorization].Any(v => v is not null && v.TrimStart().StartsWith("Bearer", StringComparison.OrdinalIgnoreCase));
}
