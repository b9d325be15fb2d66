using System.Text.Json;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Operations;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace DxyqOpenData.Api.Reports;

/// <summary>
/// CSV for every report (docs/reports.md "CSV"): a route marked <see cref="WithReportCsv"/> answers its JSON report as
/// CSV when asked with <c>?format=csv</c> or <c>Accept: text/csv</c>. The CSV is written from the JSON the route would
/// have sent (its <see cref="ReportCsvLayout"/>), so the two cannot disagree; errors stay problem details.
/// </summary>
public static class ReportCsv
{
    /// <summary>A report route's CSV layout and the formats it serves (endpoint metadata, read by the OpenAPI filter).</summary>
    public sealed record Endpoint(ReportCsvLayout Layout, IReadOnlyList<string> Formats);

    /// <summary>
    /// Marks a report route: CSV on request, <c>format</c> checked (json, csv and <paramref name="otherFormats"/> the
    /// handler serves itself), and the OpenAPI operation told so (<see cref="ReportCsvOperationFilter"/>).
    /// </summary>
    public static RouteHandlerBuilder WithReportCsv(this RouteHandlerBuilder route, string report, params string[] otherFormats)
    {
        var layout = ReportCsvLayout.For(report);
        string[] formats = ["json", "csv", .. otherFormats];
        return route.WithMetadata(new Endpoint(layout, formats)).AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var format = http.Request.Query["format"].ToString();
            if (format.Length > 0 && !formats.Contains(format, StringComparer.OrdinalIgnoreCase))
            {
                var errors = new Dictionary<string, string[]> { ["format"] = [$"format must be one of {string.Join(", ", formats)}."] };
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, type: ProblemTypes.Validation, title: "Invalid report request",
                    detail: errors["format"][0], extensions: new Dictionary<string, object?> { ["errors"] = errors });
            }
            var result = await next(context);
            // A handler's Results<Ok<T>, …> holds the result it chose.
            var chosen = result is INestedHttpResult nested ? nested.Result : result;
            if (!CsvTable.Wanted(http.Request) || chosen is not IValueHttpResult { Value: { } value } || chosen is IStatusCodeHttpResult { StatusCode: not (null or 200) })
            {
                return result;
            }
            var options = http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
            var json = JsonSerializer.SerializeToElement(value, value.GetType(), options);
            return TypedResults.File(CsvTable.Write(layout.Header, layout.Rows(json)), CsvTable.MediaType + "; charset=utf-8", FileName(layout, json));
        });
    }

    /// <summary>The report's name and its period where it has one: <c>evaluation-2025-01-01-2025-12-31.csv</c>.</summary>
    private static string FileName(ReportCsvLayout layout, JsonElement json) =>
        json.TryGetProperty("from", out var from) && json.TryGetProperty("to", out var to)
            ? $"{layout.File}-{from.GetString()}-{to.GetString()}.csv"
            : $"{layout.File}.csv";
}
