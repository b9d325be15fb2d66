using System.Linq.Expressions;
using System.Reflection;
using System.Text.Json;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Datasets;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Api.ServiceOfferings;
using DxyqOpenData.Federation;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OData.Edm;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.EntityFrameworkCore;
using Microsoft.OData.UriParser;

namespace DxyqOpenData.Api.Federation.Harvest;

/// <summary>
/// Set on an in-process <c>/odata</c> request of a replica-mode federated query (<see cref="ReplicaUnionSource"/>): answer
/// the parts (this node, each peer's replica; a position and a size each) from one union query.
/// </summary>
public sealed record ReplicaUnionFeature(IReadOnlyList<UnionPart> Parts);

/// <summary>
/// Replica mode as one SQL query. The <c>/odata</c> pipeline has parsed and validated the query options as for any
/// client (limits, restricted properties, the filter binder); here the library's own <c>$filter</c> and <c>$orderby</c>
/// (with the key, as for paging) are applied to each part — this node's public set, and each harvested peer's replica
/// table projected to the public type — and the parts are tagged with their node and put together with
/// <c>UNION ALL</c>:
/// <list type="bullet">
/// <item>the counts: one <c>GROUP BY node</c> over the union of the filtered parts;</item>
/// <item>the rows: per part <c>ORDER BY … LIMIT size OFFSET position</c> (each uses its table's indexes, the replica
/// tables' led by the node), the union ordered by node and then the same keys, so each node's rows come back in that
/// node's own order (nulls first on every provider, <see cref="NullsFirstOrdering"/>), as the merge expects.</item>
/// </list>
/// The federation library merges the parts exactly as it merges live answers (same order, positions, nextLinks).
/// </summary>
internal static class ReplicaUnion
{
    public static Task<IActionResult> ExecuteAsync(HttpContext http, ODataQueryOptions options, ODataQuerySettings settings, ReplicaUnionFeature feature)
    {
        var db = http.RequestServices.GetRequiredService<CatalogDbContext>();
        var rows = new FeedRows(db);
        var type = options.Context.ElementClrType;
        if (type == typeof(Instrument))
        {
            return RunAsync<Instrument, ReplicaInstrument>(http, db, options, settings, feature, "Instruments", db.Instruments, rows.ReplicaInstruments);
        }
        if (type == typeof(ServiceOffering))
        {
            return RunAsync<ServiceOffering, ReplicaServiceOffering>(http, db, options, settings, feature, "ServiceOfferings", db.ServiceOfferings, rows.ReplicaServiceOfferings);
        }
        if (type == typeof(Dataset))
        {
            return RunAsync<Dataset, ReplicaDataset>(http, db, options, settings, feature, "Datasets", db.Datasets, rows.ReplicaDatasets);
        }
        return Task.FromResult<IActionResult>(ODataErrors.BadRequest("InvalidQuery", "Replica mode answers Instruments, ServiceOfferings and Datasets."));
    }

    private static async Task<IActionResult> RunAsync<T, TReplica>(HttpContext http, CatalogDbContext db, ODataQueryOptions options,
        ODataQuerySettings settings, ReplicaUnionFeature feature, string set, IQueryable<T> local, Func<string, IQueryable<T>> replica)
        where T : class where TReplica : class, T
    {
        if (LeanPages.ShapeOf(http, options) is not { Expansions.Count: 0 } shape)
        {
            return ODataErrors.BadRequest("InvalidQuery", "Replica mode answers $select of the set's own properties; $expand is not available in replica mode.", "$expand");
        }
        if (options.GenerateStableOrder() is not { } order || Outer<TReplica>(options, order) is not { } outer)
        {
            return ODataErrors.BadRequest("InvalidQuery", "Replica mode orders by properties of the set.", "$orderby");
        }
        var cancel = http.RequestAborted;
        var localNode = http.RequestServices.GetRequiredService<FederationOptions>().NodeCode;
        var now = (http.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow();
        var peers = feature.Parts.Select(p => p.Node).Where(n => n != localNode).ToList();

        Dictionary<string, DateTime> harvested;
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        List<TReplica> page = [];
        await db.Database.OpenConnectionAsync(cancel);
        try
        {
            // A peer's set counts as harvested once a harvest read its feed to the end; else it is not in the union.
            harvested = peers.Count == 0 ? [] : await db.ReplicaCursors.AsNoTracking()
                .Where(c => c.EntitySet == set && peers.Contains(c.Node) && c.HarvestedAt != null)
                .ToDictionaryAsync(c => c.Node, c => c.HarvestedAt!.Value, StringComparer.Ordinal, cancel);
            var parts = new List<(UnionPart Part, IQueryable<T> Filtered)>();
            foreach (var part in feature.Parts)
            {
                var source = part.Node == localNode ? local : harvested.ContainsKey(part.Node) ? replica(part.Node) : null;
                if (source is not null)
                {
                    parts.Add((part, options.Filter is null ? source : (IQueryable<T>)options.Filter.ApplyTo(source, settings)));
                }
            }
            if (parts.Count > 0)
            {
                if (parts.Count == 1)
                {
                    counts[parts[0].Part.Node] = await parts[0].Filtered.LongCountAsync(cancel);
                }
                else
                {
                    var tagged = parts.Select(p => p.Filtered.Select(Tag<T>(p.Part.Node))).Aggregate(Queryable.Concat);
                    foreach (var count in await tagged.GroupBy(t => t.Node).Select(g => new { Node = g.Key, Count = g.LongCount() }).ToListAsync(cancel))
                    {
                        counts[count.Node] = count.Count;
                    }
                }
                var union = parts
                    .Select(p => Window((IQueryable<T>)order.ApplyTo(p.Filtered, settings), p.Part).Select(Projection<T, TReplica>(db, p.Part.Node)))
                    .Aggregate(Queryable.Concat);
                page = await outer(union).ToListAsync(cancel);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        return new UnionResult<TReplica>(feature.Parts, localNode, harvested, counts, page, shape, now);
    }

    /// <summary>The node tag of a part's rows, for the grouped count.</summary>
    internal sealed class NodeTag
    {
        public required string Node { get; init; }
    }

    private static Expression<Func<T, NodeTag>> Tag<T>(string node) => Expression.Lambda<Func<T, NodeTag>>(
        Expression.MemberInit(Expression.New(typeof(NodeTag)), Expression.Bind(typeof(NodeTag).GetProperty(nameof(NodeTag.Node))!, Expression.Constant(node))),
        Expression.Parameter(typeof(T), "row"));

    /// <summary>The part's rows from its position, at most its size (SQL parameters, not constants: one cached plan).</summary>
    private static IQueryable<T> Window<T>(IQueryable<T> ordered, UnionPart part)
    {
        var window = new WindowValues(checked((int)part.Skip), part.Top);
        var holder = Expression.Constant(window);
        var skipped = Expression.Call(SkipMethod.MakeGenericMethod(typeof(T)), ordered.Expression, Expression.Property(holder, nameof(WindowValues.Skip)));
        return ordered.Provider.CreateQuery<T>(Expression.Call(TakeMethod.MakeGenericMethod(typeof(T)), skipped, Expression.Property(holder, nameof(WindowValues.Take))));
    }

    private sealed class WindowValues(int skip, int take)
    {
        public int Skip { get; } = skip;
        public int Take { get; } = take;
    }

    private static readonly MethodInfo SkipMethod = typeof(Queryable).GetMethods()
        .Single(m => m.Name == nameof(Queryable.Skip) && m.GetParameters()[1].ParameterType == typeof(int));
    private static readonly MethodInfo TakeMethod = typeof(Queryable).GetMethods()
        .Single(m => m.Name == nameof(Queryable.Take) && m.GetParameters()[1].ParameterType == typeof(int));

    /// <summary><c>row =&gt; new TReplica { Node = node, Id = row.Id, … }</c>: a part's rows in the union's common shape.</summary>
    private static Expression<Func<T, TReplica>> Projection<T, TReplica>(CatalogDbContext db, string node) where TReplica : T
    {
        var parameter = Expression.Parameter(typeof(T), "row");
        var bindings = db.Model.FindEntityType(typeof(T))!.GetProperties()
            .Where(p => p.PropertyInfo is { CanWrite: true })
            .Select(p => (MemberBinding)Expression.Bind(typeof(TReplica).GetProperty(p.PropertyInfo!.Name)!, Expression.Property(parameter, p.PropertyInfo!)))
            .Append(Expression.Bind(typeof(TReplica).GetProperty("Node")!, Expression.Constant(node)));
        return Expression.Lambda<Func<T, TReplica>>(Expression.MemberInit(Expression.New(typeof(TReplica)), bindings), parameter);
    }

    /// <summary>
    /// The union's order: the node, then the parts' own keys (the library's stable <c>$orderby</c>: the asked
    /// properties, then the key), so each node's rows come back in the order its part was cut in.
    /// </summary>
    private static Func<IQueryable<TReplica>, IQueryable<TReplica>>? Outer<TReplica>(ODataQueryOptions options, OrderByQueryOption order)
    {
        var keys = new List<(LambdaExpression Key, bool Descending)>();
        var row = Expression.Parameter(typeof(TReplica), "row");
        keys.Add((Expression.Lambda(Expression.Property(row, "Node"), row), false));
        foreach (var node in order.OrderByNodes)
        {
            if (node is not OrderByPropertyNode { Property: var property } byProperty
                || typeof(TReplica).GetProperty(options.Context.Model.GetClrPropertyName(property) ?? property.Name) is not { } clr)
            {
                return null;
            }
            keys.Add((Expression.Lambda(Expression.Property(row, clr), row), byProperty.Direction == OrderByDirection.Descending));
        }
        return union =>
        {
            var expression = union.Expression;
            for (var i = 0; i < keys.Count; i++)
            {
                var (key, descending) = keys[i];
                var name = (i == 0 ? "OrderBy" : "ThenBy") + (descending ? "Descending" : "");
                expression = Expression.Call(typeof(Queryable), name, [typeof(TReplica), key.ReturnType], expression, Expression.Quote(key));
            }
            return union.Provider.CreateQuery<TReplica>(expression);
        };
    }

    /// <summary>
    /// <c>{"parts":[{"node","status":"ok"|"no-replica","replicaAgeSeconds","@odata.count","value":[…]}, …]}</c>, the parts
    /// in the order asked, each row as <c>/odata</c> writes it.
    /// </summary>
    private sealed class UnionResult<TReplica>(IReadOnlyList<UnionPart> parts, string localNode, Dictionary<string, DateTime> harvested,
        Dictionary<string, long> counts, List<TReplica> rows, LeanPages.EntityShape shape, DateTimeOffset now) : IActionResult
        where TReplica : class
    {
        public async Task ExecuteResultAsync(ActionContext context)
        {
            var http = context.HttpContext;
            var byNode = rows.GroupBy(NodeOf).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = "application/json; charset=utf-8";
            await using (var writer = new Utf8JsonWriter(http.Response.BodyWriter, LeanPages.Writer))
            {
                writer.WriteStartObject();
                writer.WriteStartArray("parts");
                foreach (var part in parts)
                {
                    writer.WriteStartObject();
                    writer.WriteString("node", part.Node);
                    var isLocal = part.Node == localNode;
                    if (!isLocal && !harvested.ContainsKey(part.Node))
                    {
                        writer.WriteString("status", SourceStatus.NoReplica);
                        writer.WriteEndObject();
                        continue;
                    }
                    writer.WriteString("status", SourceStatus.Ok);
                    if (isLocal)
                    {
                        writer.WriteNull("replicaAgeSeconds");
                    }
                    else
                    {
                        writer.WriteNumber("replicaAgeSeconds", (long)Math.Max(0, (now - new DateTimeOffset(harvested[part.Node], TimeSpan.Zero)).TotalSeconds));
                    }
                    writer.WriteNumber("@odata.count", counts.GetValueOrDefault(part.Node));
                    writer.WriteStartArray("value");
                    foreach (var row in byNode.GetValueOrDefault(part.Node) ?? [])
                    {
                        LeanPages.WriteEntity(writer, shape, row, http);
                    }
                    writer.WriteEndArray();
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            await http.Response.BodyWriter.FlushAsync(http.RequestAborted);
        }

        private static readonly Func<TReplica, string> NodeOf = CompileNode();

        private static Func<TReplica, string> CompileNode()
        {
            var row = Expression.Parameter(typeof(TReplica), "row");
            return Expression.Lambda<Func<TReplica, string>>(Expression.Property(row, "Node"), row).Compile();
        }
    }
}
