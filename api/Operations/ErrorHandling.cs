using System.Diagnostics;
using DxyqOpenData.Api.Catalog;

namespace DxyqOpenData.Api.Operations;

/// <summary>
/// RFC 9457 problem details for every non-OData failure: a stable <c>type</c> per kind (docs/errors.md), the trace id,
/// and nothing of the exception.
/// </summary>
public static class ErrorHandling
{
    public static IHostApplicationBuilder AddErrorHandling(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            problem.Type = TypeOf(problem.Status ?? context.HttpContext.Response.StatusCode) ?? problem.Type;
            problem.Extensions["traceId"] = Activity.Current?.Id ?? context.HttpContext.TraceIdentifier;
            problem.Extensions.Remove("exception");
        });
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
