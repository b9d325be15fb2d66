using System.ComponentModel;
using System.Text.Json.Serialization;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data.Leases;
using DxyqOpenData.Api.Operations;
using DxyqOpenData.Api.Security;
using DxyqOpenData.Federation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.OData.Edm;

namespace DxyqOpenData.Api.Federation;

/// <summary>
/// <c>/federation</c>: federated queries over this node and its configured peers (docs/federation.md). The
/// merging lives in the federation library; this file gives it the model, this node's catalog and the routes.
/// </summary>
public static class FederationApi
{
    /// <summary>The public sets a federated query may ask; records with personal data never cross nodes.</summary>
    public static readonly IReadOnlyList<string> Sets = ["Instruments", "ServiceOfferings", "Datasets"];

    public static IHostApplicationBuilder AddFederation(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<FeedRows>();
        builder.Services.AddScoped<ChangeFeed>();
        builder.Services.AddSingleton<ReplicaMemo>();
        builder.Services.AddScoped<IReplicaStore, ReplicaStore>();
        builder.Services.AddLeases();
        builder.Services.AddSingleton<IHarvestLeases, HarvestLeases>();
        builder.Services.AddScoped<ILocalCatalog, LocalCatalog>();
        var federation = builder.AddSettings<FederationOptions>("Federation", o => o.Complete(builder.Configuration, NodeOptions.Of(builder).Code));
        var harvest = builder.AddSettings<HarvestOptions>("Federation:Harvest");
        builder.Services.AddFederation(federation, harvest, Schema);
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
                    var modes = request.Query["mode"];
                    if (modes.Count > 1)
                    {
                        throw new FederationQueryException("mode is given twice.", "mode");
                    }
                    var result = await service.QueryAsync(set, options, token => self + Uri.EscapeDataString(token), context.RequestAborted,
                        modes.Count == 1 ? modes[0] : null);
                    return TypedResults.Content(result.ToJsonString(Operations.JsonText.Web), "application/json; charset=utf-8");
                }
                catch (FederationQueryException e)
                {
                    return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid federated query",
                        detail: e.Message, type: ProblemTypes.Validation,
                        extensions: e.Target is null ? null : new Dictionary<string, object?> { ["target"] = e.Target });
                }
            })
            .RequireAuthorization(Policies.PublicCatalog)
            .Produces(StatusCodes.Status200OK, typeof(FederatedPage), "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("FederatedQuery")
            .WithSummary("A federated OData query over this node and every configured peer: merged order, $skip/$top, summed @odata.count, each item tagged with its node, and per-node sources (ok|timeout|error|circuit-open|unauthorized|no-replica).")
            .WithDescription("`mode=live` (the default) asks the peers now; `mode=replica` answers from this node's replicas of them " +
                "(harvested through their change feeds; `sources` gives each peer's `replicaAgeSeconds`). Any other mode is 400. " +
                "nextLinks keep the mode.");

        federation.MapGet("/peers", async (HttpContext context, PeerHealthRegistry health, FederationOptions options, Harvester harvester, IReplicaStore replicas,
                TimeProvider time, CancellationToken cancellation) =>
            {
                // Health for anyone (monitoring); where the peers are, what failed and the feed cursors for administrators.
                var admin = context.User.HasScope(Scopes.Admin);
                var now = time.GetUtcNow();
                var peers = new List<FederationPeer>();
                foreach (var h in health.All())
                {
                    var harvest = harvester.View(h.Node);
                    var sets = await replicas.ViewAsync(h.Node, now, cancellation);
                    // The peer's replica is as old as its least recently harvested set (null until every set was harvested).
                    long? age = sets.All(s => s.ReplicaAgeSeconds is not null) ? sets.Max(s => s.ReplicaAgeSeconds) : null;
                    peers.Add(new FederationPeer(h.Node, admin ? h.BaseUrl : null, h.Circuit, h.LastSuccessAt, h.LastLatencyMs, h.LastFailureAt, h.LastStatus,
                        admin ? h.LastError : null, h.ConsecutiveFailures, h.Failures, h.Successes,
                        harvest?.LastAttemptAt, harvest?.LastSuccessAt ?? sets.Min(s => s.HarvestedAt), admin ? harvest?.LastError : null, harvest?.LastMs,
                        age, sets.Sum(s => s.Rows), admin ? sets : sets.Select(s => s with { Cursor = null }).ToList()));
                }
                return TypedResults.Ok(new FederationPeers(options.NodeCode, peers));
            })
            .RequireAuthorization(Policies.Operations)
            .WithName("FederationPeers")
            .WithSummary("Each configured peer: circuit state, last success, latency and failures of live calls; last harvest, replica age, rows per set and cursor.")
            .WithDescription("Anyone may read the peers' health. The peer's `baseUrl`, the error texts (`lastError`, `lastHarvestError`) and the " +
                "feed cursors are given only to a token with the `admin` scope; otherwise they are null.");

        federation.MapPost("/harvest", async (Harvester harvester, CancellationToken cancellation) =>
            {
                var results = await harvester.HarvestAllAsync(cancellation);
                return TypedResults.Ok(results.Select(r => new HarvestResult(r.Node, r.View.LastError is null ? "ok" : "error",
                    r.View.LastSuccessAt, r.View.LastError, r.View.LastMs, r.View.Changes)).ToList());
            })
            .RequireAuthorization(Policies.Scope(Scopes.Admin))
            .WithName("FederationHarvest")
            .WithSummary("Harvests every peer now (each until caught up with its change feed, or failed) and says how each went.");

        federation.MapGet("/changes/{set}", async Task<IResult> (string set, string? since, int? max, HttpContext context, ChangeFeed feed) =>
            {
                if (!Sets.Contains(set, StringComparer.Ordinal))
                {
                    return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found",
                        detail: $"No change feed for '{set}'. Change feeds: {string.Join(", ", Sets)}.", type: ProblemTypes.NotFound);
                }
                if (max is < 1 or > ChangeFeedLimits.MaxPage)
                {
                    return FeedProblem($"max is 1 to {ChangeFeedLimits.MaxPage}.", "max");
                }
                var buffer = new MemoryStream();
                try
                {
                    await feed.WriteAsync(set, since, max ?? ChangeFeedLimits.DefaultPage, buffer, context.RequestAborted);
                }
                catch (FeedCursorException e)
                {
                    return FeedProblem(e.Message, "since");
                }
                return TypedResults.Bytes(buffer.ToArray(), "application/json; charset=utf-8");
            })
            .RequireAuthorization(Policies.Scope(Scopes.Federation))
            .Produces(StatusCodes.Status200OK, typeof(object), "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("ChangeFeed")
            .WithSummary("This node's public rows changed after a cursor, in commit order: upserts (the row's public columns) and tombstones (deleted, or no longer public). For peers (federation scope).")
            .WithDescription("`since`: the `cursor` of the previous page (none: from the start); `max`: 1–1000 changes (default 500). " +
                "Answer: `{\"node\",\"set\",\"changes\":[{\"seq\",\"id\",\"op\":\"upsert\",\"row\":{…}} | {\"seq\",\"id\",\"op\":\"delete\"}],\"cursor\",\"more\"}`. " +
                "A row appears once, at its latest change. A changed or foreign cursor is 400.");
        return app;
    }

    private static ProblemHttpResult FeedProblem(string detail, string target) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid change feed request", detail: detail,
            type: ProblemTypes.Validation, extensions: new Dictionary<string, object?> { ["target"] = target });
}
