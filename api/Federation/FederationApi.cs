using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Security;
using DxyqOpenData.Federation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.OData.Edm;

namespace DxyqOpenData.Api.Federation;

/// <summary>
/// <c>/federation</c>: live federated queries over this node and its configured peers (docs/federation.md). The
/// merging lives in the federation library; this file gives it the model, the local pipeline and the routes.
/// </summary>
/// <summary>This node's code and the health of each configured peer.</summary>
public sealed record FederationPeers(string Node, IReadOnlyList<PeerHealthView> Peers);

public static class FederationApi
{
    /// <summary>The public sets a federated query may ask; records with personal data never cross nodes.</summary>
    public static readonly IReadOnlyList<string> Sets = ["Instruments", "ServiceOfferings", "Datasets"];

    public static IHostApplicationBuilder AddFederation(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<LocalPipeline>();
        builder.Services.AddTransient<LocalPipelineHandler>();
        builder.Services.AddFederation(builder.Configuration, Schema,
            local => local.ConfigurePrimaryHttpMessageHandler<LocalPipelineHandler>());
        return builder;
    }

    /// <summary>Keys, sortable property kinds and withheld properties of the federated sets, from the EDM model.</summary>
    public static FederatedSchema Schema()
    {
        var model = CatalogEdmModel.Get();
        var sets = new Dictionary<string, EntitySetSchema>(StringComparer.Ordinal);
        foreach (var name in Sets)
        {
            var type = model.EntityContainer.FindEntitySet(name).EntityType;
            var properties = new Dictionary<string, ValueKind>(StringComparer.Ordinal);
            foreach (var property in type.StructuralProperties())
            {
                if (KindOf(property.Type) is { } kind)
                {
                    properties[property.Name] = kind;
                }
            }
            sets[name] = new EntitySetSchema(name, type.Key().Single().Name, properties, RestrictedProperties.Names);
        }
        return new FederatedSchema(sets);
    }

    private static ValueKind? KindOf(IEdmTypeReference type)
    {
        if (type.IsEnum())
        {
            return ValueKind.String;
        }
        return type.AsPrimitive()?.PrimitiveKind() switch
        {
            EdmPrimitiveTypeKind.String => ValueKind.String,
            EdmPrimitiveTypeKind.Guid => ValueKind.Guid,
            EdmPrimitiveTypeKind.Boolean => ValueKind.Boolean,
            EdmPrimitiveTypeKind.Byte or EdmPrimitiveTypeKind.SByte or EdmPrimitiveTypeKind.Int16 or EdmPrimitiveTypeKind.Int32
                or EdmPrimitiveTypeKind.Int64 or EdmPrimitiveTypeKind.Decimal or EdmPrimitiveTypeKind.Double
                or EdmPrimitiveTypeKind.Single => ValueKind.Number,
            EdmPrimitiveTypeKind.DateTimeOffset => ValueKind.DateTimeOffset,
            EdmPrimitiveTypeKind.Date => ValueKind.Date,
            _ => null,
        };
    }

    public static IEndpointRouteBuilder MapFederation(this IEndpointRouteBuilder app)
    {
        var federation = app.MapGroup("/federation").WithTags("Federation");

        federation.MapGet("/odata/{set}", async Task<IResult> (string set, HttpContext context, FederationService service) =>
            {
                if (!Sets.Contains(set, StringComparer.Ordinal) || !service.Serves(set))
                {
                    return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found",
                        detail: $"No federated entity set '{set}'. Federated sets: {string.Join(", ", Sets)}.", type: ProblemTypes.NotFound);
                }
                try
                {
                    var request = context.Request;
                    var self = $"{request.Scheme}://{request.Host}{request.PathBase}/federation/odata/{set}?$skiptoken=";
                    var options = request.Query.SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v)));
                    var result = await service.QueryAsync(set, options, token => self + Uri.EscapeDataString(token), context.RequestAborted);
                    return TypedResults.Content(result.ToJsonString(), "application/json; charset=utf-8");
                }
                catch (FederationQueryException e)
                {
                    return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid federated query",
                        detail: e.Message, type: ProblemTypes.Validation,
                        extensions: e.Target is null ? null : new Dictionary<string, object?> { ["target"] = e.Target });
                }
            })
            .RequireAuthorization(Policies.PublicCatalog)
            .Produces(StatusCodes.Status200OK, typeof(object), "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("FederatedQuery")
            .WithSummary("A federated OData query over this node and every configured peer: merged order, $skip/$top, summed @odata.count, each item tagged with its node, and per-node sources (ok|timeout|error|circuit-open|unauthorized).");

        federation.MapGet("/peers", (PeerHealthRegistry health, FederationOptions options) =>
                TypedResults.Ok(new FederationPeers(options.NodeCode, health.All())))
            .RequireAuthorization(Policies.Operations)
            .WithName("FederationPeers")
            .WithSummary("Each configured peer's health: last success, last latency, circuit state, failures.");
        return app;
    }
}
