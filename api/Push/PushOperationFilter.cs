using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace DxyqOpenData.Api.Push;

/// <summary>Describes a push route's body: a JSON array or NDJSON of the kind's shared-schema documents.</summary>
internal sealed class PushOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<PushKind>().FirstOrDefault() is not { } kind)
        {
            return;
        }
        var item = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = $"One document valid against /schemas/{kind.SchemaName}/v1.json, keyed by {kind.KeyProperty}.",
        };
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Description = $"Up to Push:MaxItems (10,000) {kind.Title} and Push:MaxBytes (16 MiB), UTF-8.",
            Content = new Dictionary<string, IOpenApiMediaType>
            {
                [PushBody.JsonMediaType] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.Array, Items = item } },
                [PushBody.NdjsonMediaType] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Description = "One document per line." } },
            },
        };
        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = PushService.IdempotencyKeyHeader, In = ParameterLocation.Header, Required = false,
            Description = "Makes a retry safe: the same key and body replay the first answer (24 h); the same key with another body is 422; while the first is in flight 409.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 255 },
        });
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = "Prefer", In = ParameterLocation.Header, Required = false,
            Description = "`odata.continue-on-error`: write the valid items and report the others (200 with `rejected`), instead of refusing the batch (422).",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        });
    }
}
