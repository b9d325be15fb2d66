using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Security;
using DxyqOpenData.Schemas;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DxyqOpenData.Api.Schemas;

/// <summary>The shared JSON Schemas (docs/schemas.md), served straight from the files committed under <c>schemas/</c>.</summary>
public static class SchemasApi
{
    public const string MediaType = "application/schema+json";

    public static IEndpointRouteBuilder MapSchemas(this IEndpointRouteBuilder app)
    {
        var schemas = app.MapGroup("/schemas")
            .RequireAuthorization(Policies.PublicCatalog)
            .WithTags("Schemas");

        schemas.MapGet("/", () => TypedResults.Ok(SchemaRegistry.Default.All))
            .WithName("ListSchemas")
            .WithSummary("Every shared schema with its name, major version, URL on this node, $id and title.");

        schemas.MapGet("/{name}/v{major:int}.json", Results<FileContentHttpResult, ProblemHttpResult> (string name, int major) =>
                SchemaRegistry.Default.Find(name, major) is { } schema
                    ? TypedResults.File(schema.Content.ToArray(), MediaType)
                    : TypedResults.Problem(
                        statusCode: StatusCodes.Status404NotFound,
                        title: "Not found",
                        detail: $"No schema {name}/v{major}.json. GET /schemas lists them.",
                        type: ProblemTypes.NotFound))
            .Produces(StatusCodes.Status200OK, typeof(object), MediaType)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("GetSchema")
            .WithSummary("One schema file (JSON Schema draft-07) byte for byte as committed; 404 problem for an unknown name or version.");
        return app;
    }
}
