using System.Diagnostics;
using System.Text.Json;
using DxyqOpenData.Api.Catalog;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.OData;

namespace DxyqOpenData.Api.Operations;

/// <summary>
/// RFC 9457 problem details for every non-OData failure: a stable <c>type</c> per kind (docs/errors.md), the trace id,
/// and nothing of the exception. One OData failure is answered here too: an /odata URL whose path the OData router
/// cannot translate (<see cref="ODataRoutingErrors"/>).
/// </summary>
public static class ErrorHandling
{
    public static IHostApplicationBuilder AddErrorHandling(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            // A route's own stable type (e.g. below-review-threshold) stays; the framework's defaults become ours.
            if (problem.Type?.StartsWith(ProblemTypes.Prefix, StringComparison.Ordinal) != true)
            {
                problem.Type = TypeOf(problem.Status ?? context.HttpContext.Response.StatusCode) ?? problem.Type;
            }
            problem.Extensions["traceId"] = Activity.Current?.Id ?? context.HttpContext.TraceIdentifier;
            problem.Extensions.Remove("exception");
        });
        builder.Services.AddExceptionHandler<ODataRoutingErrors>();
        return builder;
    }

    public static IApplicationBuilder UseErrorHandling(this IApplicationBuilder app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }

    private static string? TypeOf(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => ProblemTypes.Unauthorized,
        StatusCodes.Status403Forbidden => ProblemTypes.Forbidden,
        StatusCodes.Status404NotFound => ProblemTypes.NotFound,
        StatusCodes.Status400BadRequest or StatusCodes.Status422UnprocessableEntity => ProblemTypes.Validation,
        StatusCodes.Status409Conflict => ProblemTypes.Conflict,
        StatusCodes.Status413PayloadTooLarge => ProblemTypes.PayloadTooLarge,
        StatusCodes.Status415UnsupportedMediaType => ProblemTypes.UnsupportedMediaType,
        >= 500 => ProblemTypes.ServerError,
        _ => null,
    };
}

/// <summary>
/// The OData router parses key and parameter values while it picks an endpoint, before any controller runs, and throws
/// an <see cref="ODataException"/> for some malformed ones (<c>/odata/Instruments(@p)</c>: "Missing the parameter alias
/// '@p' in the request query string"). That is the client's URL, not a fault of the node: a 400 with the OData error
/// body and the router's sentence. Only an <see cref="ODataException"/> thrown under <c>/odata</c> before an endpoint was
/// chosen (the router's matcher policy) qualifies, so a failure anywhere else (a controller, a serializer, the
/// database) is still a 500.
/// </summary>
internal sealed class ODataRoutingErrors : IExceptionHandler
{
    /// <summary>As OData writes JSON: UTF-8 as it is, only what JSON requires escaped.</summary>
    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        // Routing failed on an OData path: no endpoint was chosen (a controller's or serializer's failure has one).
        if (exception is not ODataException || context.Response.HasStarted
            || context.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>()?.Endpoint is not null
            || !context.Request.Path.StartsWithSegments("/odata", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.ContentType = "application/json; odata.metadata=minimal; charset=utf-8";
        context.Response.Headers["OData-Version"] = "4.0";
        var body = new { error = new { code = "InvalidQuery", message = $"The URL cannot be parsed: {exception.Message}" } };
        await JsonSerializer.SerializeAsync(context.Response.Body, body, Json, cancellationToken);
        return true;
    }
}
