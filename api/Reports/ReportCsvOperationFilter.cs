using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace DxyqOpenData.Api.Reports;

/// <summary>Describes a report route's CSV (<see cref="ReportCsv.WithReportCsv"/>): the <c>format</c> parameter and the text/csv answer.</summary>
internal sealed class ReportCsvOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<ReportCsv.Endpoint>().FirstOrDefault() is not { } endpoint)
        {
            return;
        }
        operation.Parameters ??= [];
        var format = new OpenApiParameter
        {
            Name = "format", In = ParameterLocation.Query, Required = false,
            Description = $"json (the default), csv (or Accept: text/csv){string.Concat(endpoint.Formats.Skip(2).Select(f => $", {f} (or Accept: text/{f})"))}.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [.. endpoint.Formats.Select(f => (JsonNode)JsonValue.Create(f))] },
        };
        // The handler's own format parameter (one that serves another format too) is replaced by the full description.
        var own = operation.Parameters.FirstOrDefault(p => p.Name == "format" && p.In == ParameterLocation.Query);
        if (own is null)
        {
            operation.Parameters.Add(format);
        }
        else
        {
            operation.Parameters[operation.Parameters.IndexOf(own)] = format;
        }
        var layout = endpoint.Layout;
        if (operation.Responses?.TryGetValue("200", out var ok) == true && ok is OpenApiResponse response)
        {
            response.Content ??= new Dictionary<string, IOpenApiMediaType>();
            response.Content["text/csv"] = new OpenApiMediaType
            {
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Description = $"UTF-8 with BOM, CRLF, RFC 4180; Chinese headers: {string.Join(",", layout.Header)} (docs/reports.md \"CSV\").",
                },
            };
        }
    }
}
