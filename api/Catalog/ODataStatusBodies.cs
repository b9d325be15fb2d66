using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace DxyqOpenData.Api.Catalog;

/// <summary>
/// An OData route that fails without saying why (the authorization middleware's 401 and 403, a by-key or navigation
/// 404, a 405) gets the OData error body docs/errors.md promises, instead of an empty body. Outside <c>/odata</c>
/// the status-code pages write problem details.
/// </summary>
public static class ODataStatusBodies
{
    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IApplicationBuilder UseODataStatusBodies(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            await next(context);
            var response = context.Response;
            if (!context.Request.Path.StartsWithSegments(ODataSetup.RoutePrefix) || response.HasStarted || response.StatusCode < 400
                || response.ContentLength > 0 || !string.IsNullOrEmpty(response.ContentType) || HttpMethods.IsHead(context.Request.Method))
            {
                return;
            }
            var (code, message) = Describe(response.StatusCode, context.Request);
            response.ContentLength = null;
            response.ContentType = "application/json; odata.metadata=minimal; charset=utf-8";
            response.Headers["OData-Version"] = "4.0";
            await JsonSerializer.SerializeAsync(response.Body, new { error = new { code, message } }, Json, context.RequestAborted);
        });

    private static (string Code, string Message) Describe(int status, HttpRequest request) => status switch
    {
        StatusCodes.Status401Unauthorized => ("Unauthorized", "This resource needs a valid bearer token (OAuth 2.0 client credentials at /connect/token)."),
        StatusCodes.Status403Forbidden => ("Forbidden", "The bearer token lacks the scope or unit this resource needs."),
        StatusCodes.Status404NotFound => ("NotFound", $"Nothing at {request.Path}: no entity with that key is visible to the caller."),
        _ => (ReasonPhrases.GetReasonPhrase(status).Replace(" ", "", StringComparison.Ordinal), ReasonPhrases.GetReasonPhrase(status) + "."),
    };
}
