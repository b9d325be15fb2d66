using System.Collections.Concurrent;
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
using Microsoft.Extensions.Caching.Memory;
using Microsoft.OData.UriParser;

namespace DxyqOpenData.Api.Federation.Harvest;

/// <summary>
/// Set on an in-process <c>/odata</c> request of a replica-mode federated query (<see cref="ReplicaUnionSource"/>): answer
/// the parts (this node, each peer's replica; a position and a size each) from one union query.
/// </summary>
public sealed record ReplicaUnionFeature(UnionRequest Request)
{
    public IReadOnlyList<UnionPart> Parts => Request.Parts;
}

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
        // A filter on now() answers differently as time passes, even over a replica that does not change.
        var replicaMemo = http.RequestServices.GetRequiredService<ReplicaMemo>();
        var memoize = http.RequestServices.GetRequiredService<IConfiguration>().GetValue("Federation:ReplicaMemo", true)
            && options.RawValues.Filter?.Contains("now(", StringComparison.OrdinalIgnoreCase) != true;
        var peers = feature.Parts.Select(p => p.Node).Where(n => n != localNode).ToList();

        Dictionary<string, (DateTime HarvestedAt, DateTime UpdatedAt)> harvested;
        var answers = new Dictionary<string, (long Count, List<TReplica> Rows)>(StringComparer.Ordinal);
        await db.Database.OpenConnectionAsync(cancel);
        try
        {
            // A peer's set counts as harvested once a harvest read its feed to the end; else it is not in the union.
            harvested = peers.Count == 0 ? [] : await replicaMemo.StatesAsync(db, set, cancel);
            var parts = new List<(UnionPart Part, IQueryable<T> Filtered, ReplicaMemo.Key? Key)>();
            foreach (var part in feature.Parts)
            {
                ReplicaMemo.Key? key = null;
                if (part.Node != localNode)
                {
                    if (!harvested.TryGetValue(part.Node, out var state) || !peers.Contains(part.Node))
                    {
                        continue;
                    }
                    // A replica changes only when a harvest applies a page (which moves its cursor row's UpdatedAt):
                    // until then, a part's answer is memoized.
                    key = new ReplicaMemo.Key(set, part.Node, state.HarvestedAt, state.UpdatedAt, options.RawValues.Filter, options.RawValues.OrderBy, part.Skip, part.Top);
                    if (memoize && replicaMemo.Get<TReplica>(key) is { } memo)
                    {
                        answers[part.Node] = memo;
                        continue;
                    }
                }
                var source = part.Node == localNode ? local : replica(part.Node);
                parts.Add((part, options.Filter is null ? source : (IQueryable<T>)options.Filter.ApplyTo(source, settings), key));
            }
            if (parts.Count > 0)
            {
                var counts = new Dictionary<string, long>(StringComparer.Ordinal);
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
                // One part alone is already in its order.
                var rows = (await (parts.Count == 1 ? union : outer(union)).ToListAsync(cancel)).ToLookup(NodeOf<TReplica>.Get, StringComparer.Ordinal);
                foreach (var (part, _, key) in parts)
                {
                    var answer = (counts.GetValueOrDefault(part.Node), rows[part.Node].ToList());
                    answers[part.Node] = answer;
                    if (memoize && key is not null)
                    {
                        replicaMemo.Set(key, answer);
                    }
                }
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        var taken = feature.Request.Consume is { } consume
            ? Taken(http, set, options, order, feature.Parts, answers, consume)
            : null;
        return new UnionResult<TReplica>(feature.Parts, localNode, harvested.ToDictionary(h => h.Key, h => h.Value.HarvestedAt, StringComparer.Ordinal),
            answers, taken, shape, now);
    }

    /// <summary>
    /// Per part, how many of its rows to send: the federation's merge run here over the parts' windows (the library's
    /// own <see cref="RowComparer"/>, keys of the same kinds as it reads them from JSON) until it has consumed
    /// <paramref name="consume"/> rows or must ask a node again — the rows it took, plus the next one of each part, so
    /// the merge there takes exactly the same rows without asking again.
    /// </summary>
    private static Dictionary<string, int>? Taken<TReplica>(HttpContext http, string set, ODataQueryOptions options, OrderByQueryOption order,
        IReadOnlyList<UnionPart> parts, Dictionary<string, (long Count, List<TReplica> Rows)> answers, long consume) where TReplica : class
    {
        var schema = http.RequestServices.GetRequiredService<FederatedSchema>().Sets[set];
        var orders = new List<OrderClause>();
        foreach (var node in order.OrderByNodes)
        {
            if (node is not OrderByPropertyNode { Property: var property } byProperty)
            {
                return null;
            }
            orders.Add(new OrderClause(property.Name, byProperty.Direction == OrderByDirection.Descending));
        }
        // The comparer's columns: the $orderby properties up to the key, then the key.
        var columns = new List<string>();
        foreach (var clause in orders)
        {
            columns.Add(clause.Property);
            if (clause.Property == schema.Key)
            {
                break;
            }
        }
        if (columns[^1] != schema.Key)
        {
            columns.Add(schema.Key);
        }
        var getters = new List<(Func<object, object?> Get, ValueKind Kind)>();
        foreach (var column in columns)
        {
            if (options.Context.ElementType is not Microsoft.OData.Edm.IEdmStructuredType type
                || type.FindProperty(column) is not { } edm
                || typeof(TReplica).GetProperty(options.Context.Model.GetClrPropertyName(edm) ?? column) is not { } clr
                || !schema.Properties.TryGetValue(column, out var kind))
            {
                return null;
            }
            getters.Add((clr.GetValue, kind));
        }
        var comparer = new RowComparer(orders, schema);
        var streams = parts.Where(p => answers.ContainsKey(p.Node)).Select(p =>
        {
            var (count, rows) = answers[p.Node];
            var keys = rows.Select(r => getters.Select(g => MergeKey(g.Get(r), g.Kind)).ToArray()).ToList();
            // As the federation reads an answer: more after these when its count says so; none asked again if it gave none.
            return (Part: p, Keys: keys, HasMore: p.Skip + rows.Count < count && rows.Count > 0, Next: 0);
        }).ToArray();
        for (long consumed = 0; consumed < consume; consumed++)
        {
            if (streams.Any(s => s.Next == s.Keys.Count && s.HasMore))
            {
                break;
            }
            var best = -1;
            for (var i = 0; i < streams.Length; i++)
            {
                if (streams[i].Next < streams[i].Keys.Count && (best < 0
                    || comparer.Compare(streams[i].Keys[streams[i].Next], streams[i].Part.Node, streams[best].Keys[streams[best].Next], streams[best].Part.Node) < 0))
                {
                    best = i;
                }
            }
            if (best < 0)
            {
                break;
            }
            streams[best].Next++;
        }
        return streams.ToDictionary(s => s.Part.Node, s => Math.Min(s.Next + 1, s.Keys.Count), StringComparer.Ordinal);
    }

    /// <summary>A value as <see cref="RowComparer"/> reads it from the JSON <c>/odata</c> writes (numbers as decimals, instants, dates, GUIDs as text).</summary>
    private static object? MergeKey(object? value, ValueKind kind) => value switch
    {
        null => null,
        Enum member => EnumWireNames.Of(member),
        DateTime time when kind == ValueKind.DateTimeOffset =>
            new DateTimeOffset(time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : DateTime.SpecifyKind(time, DateTimeKind.Utc)),
        Guid guid => guid.ToString(),
        double d => decimal.TryParse(d.ToString("R", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed : null,
        float f => (decimal)f,
        int i => (decimal)i,
        long l => (decimal)l,
        short s => (decimal)s,
        byte b => (decimal)b,
        _ => value,
    };

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
        Dictionary<string, (long Count, List<TReplica> Rows)> answers, Dictionary<string, int>? taken, LeanPages.EntityShape shape, DateTimeOffset now) : IActionResult
        where TReplica : class
    {
        public async Task ExecuteResultAsync(ActionContext context)
        {
            var http = context.HttpContext;
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
                    var (count, rows) = answers.GetValueOrDefault(part.Node, (0, []));
                    writer.WriteNumber("@odata.count", count);
                    writer.WriteStartArray("value");
                    var send = taken?.GetValueOrDefault(part.Node, rows.Count) ?? rows.Count;
                    foreach (var row in rows.Take(send))
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
    }
}

/// <summary>The <c>Node</c> of a replica row, read through a compiled getter.</summary>
internal static class NodeOf<TReplica>
{
    public static readonly Func<TReplica, string> Get = Compile();

    private static Func<TReplica, string> Compile()
    {
        var row = Expression.Parameter(typeof(TReplica), "row");
        return Expression.Lambda<Func<TReplica, string>>(Expression.Property(row, "Node"), row).Compile();
    }
}

/// <summary>
/// Replica parts' answers (count and rows), memoized per state of the replica: a harvest that applies a page moves the
/// replica's cursor row (<c>UpdatedAt</c>), which is part of the key, so a memoized answer is never older than the
/// replica itself. Bounded by rows held; <c>Federation:ReplicaMemo=false</c> turns it off. One per host (a singleton),
/// so several nodes in one process (tests, benchmarks) never see each other's replica states or answers.
/// </summary>
public sealed class ReplicaMemo : IDisposable
{
    public sealed record Key(string Set, string Node, DateTime HarvestedAt, DateTime UpdatedAt, string? Filter, string? OrderBy, long Skip, int Top);

    private readonly MemoryCache Cache = new(new MemoryCacheOptions { SizeLimit = 20_000 });

    private long _generation;
    private readonly ConcurrentDictionary<string, (long Generation, long ReadAt, Dictionary<string, (DateTime HarvestedAt, DateTime UpdatedAt)> States)> Cursors = new(StringComparer.Ordinal);

    /// <summary>A harvest applied a page here (<see cref="ReplicaStore.ApplyAsync"/>): the replicas' states are read again.</summary>
    public void ReplicaChanged() => Interlocked.Increment(ref _generation);

    /// <summary>
    /// Each harvested replica of <paramref name="set"/> (node → its cursor row's <c>HarvestedAt</c> and <c>UpdatedAt</c>):
    /// read from <c>replica_cursors</c>, again after a harvest on this instance applied a page, and at most a second
    /// old otherwise (a harvest run by another instance sharing the database).
    /// </summary>
    public async Task<Dictionary<string, (DateTime HarvestedAt, DateTime UpdatedAt)>> StatesAsync(CatalogDbContext db, string set, CancellationToken cancel)
    {
        var generation = Interlocked.Read(ref _generation);
        if (Cursors.TryGetValue(set, out var known) && known.Generation == generation && Environment.TickCount64 - known.ReadAt < 1000)
        {
            return known.States;
        }
        var states = await db.ReplicaCursors.AsNoTracking()
            .Where(c => c.EntitySet == set && c.HarvestedAt != null)
            .ToDictionaryAsync(c => c.Node, c => (c.HarvestedAt!.Value, c.UpdatedAt), StringComparer.Ordinal, cancel);
        Cursors[set] = (generation, Environment.TickCount64, states);
        return states;
    }

    public (long Count, List<TReplica> Rows)? Get<TReplica>(Key key) =>
        Cache.TryGetValue(key, out var value) && value is (long count, List<TReplica> rows) ? (count, rows) : null;

    public void Set<TReplica>(Key key, (long Count, List<TReplica> Rows) answer) =>
        Cache.Set(key, answer, new MemoryCacheEntryOptions { Size = answer.Rows.Count + 1, SlidingExpiration = TimeSpan.FromMinutes(10) });

    public void Dispose() => Cache.Dispose();
}
