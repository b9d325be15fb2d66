using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace DxyqOpenData.Api.Imports;

/// <summary>
/// Describes the upload's multipart body. It is not declared with <c>Accepts</c>: routing would then answer any other
/// content type with its own 415 endpoint, which carries no policy and was refused by the fallback policy (a 403), where
/// the handler answers a 400 naming the form it wants (docs/imports.md).
/// </summary>
internal sealed class ImportUploadOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (!context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<IEndpointNameMetadata>().Any(n => n.EndpointName == ImportsApi.UploadName))
        {
            return;
        }
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Content = new Dictionary<string, IOpenApiMediaType>
            {
                ["multipart/form-data"] = new OpenApiMediaType { Schema = context.SchemaGenerator.GenerateSchema(typeof(ImportUpload), context.SchemaRepository) },
            },
        };
    }
}
