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
/// the parts (this node, each peer's replica; a position and a size each) in one in-process request.
/// </summary>
public sealed record ReplicaUnionFeature(UnionRequest Request)
{
    public IReadOnlyList<UnionPart> Parts => Request.Parts;
}

/// <summary>
/// Replica mode in one in-process request. The <c>/odata</c> pipeline has parsed and validated the query options as for
/// any client (limits, restricted properties, the filter binder); here the library's own <c>$filter</c> and
/// <c>$orderby</c> (with the key, as for paging) are applied to each part — this node's public set, and each harvested
/// peer's replica table projected to the public type:
/// <list type="bullet">
/// <item>per part, its count and the keys of its window (<c>ORDER BY … LIMIT size OFFSET position</c>, only the order
/// properties and the key: a narrow read on the table's indexes, the replica tables' led by the node), in the part's own
/// order (nulls first on every provider, <see cref="NullsFirstOrdering"/>), as the merge expects; the parts shared
/// among one connection per core, run at the same time;</item>
/// <item>the merge run here over those keys (<see cref="Taken"/>) decides how many of each window the answer needs;</item>
/// <item>only those rows are read whole, by key: this node's from its table, the peers' from the replica table in one
/// query by (node, id).</item>
/// </list>
/// First, though, a part whose rows are held in memory and current (<see cref="ReplicaSnapshots"/>) is answered there,
/// when the query runs in .NET exactly as in SQL (<see cref="MemoryQuery{TReplica}"/>): no SQL for that part at all.
/// A peer's part answered in SQL is memoized (<see cref="ReplicaMemo"/>) until a harvest changes its replica. The
/// federation library merges the parts exactly as it merges live answers (same order, positions, nextLinks).
/// </summary>
internal static class ReplicaUnion
{
    /// <summary>
    /// Columns whose changes the change feed does not carry (the sensor heartbeat; the triggers in the Initial migration): this
    /// node's snapshot may hold older values of them, so its part is not filtered or ordered by them in memory, and
    /// the rows it sends get their current values (<see cref="CurrentHeartbeatsAsync"/>).
    /// </summary>
    private static readonly Dictionary<Type, string[]> NotInFeed = new() { [typeof(Instrument)] = [nameof(Instrument.LastSeenAt)] };

    public static Task<IActionResult> ExecuteAsync(HttpContext http, ODataQueryOptions options, ODataQuerySettings settings, ReplicaUnionFeature feature)
    {
        var type = options.Context.ElementClrType;
        if (type == typeof(Instrument))
        {
            return RunAsync<Instrument, ReplicaInstrument>(http, options, settings, feature, "Instruments", db => db.Instruments,
                (db, node) => new FeedRows(db).ReplicaInstruments(node), db => db.ReplicaInstruments.AsNoTracking());
        }
        if (type == typeof(ServiceOffering))
        {
            return RunAsync<ServiceOffering, ReplicaServiceOffering>(http, options, settings, feature, "ServiceOfferings", db => db.ServiceOfferings,
                (db, node) => new FeedRows(db).ReplicaServiceOfferings(node), db => db.ReplicaServiceOfferings.AsNoTracking());
        }
        if (type == typeof(Dataset))
        {
            return RunAsync<Dataset, ReplicaDataset>(http, options, settings, feature, "Datasets", db => db.Datasets,
                (db, node) => new FeedRows(db).ReplicaDatasets(node), db => db.ReplicaDatasets.AsNoTracking());
        }
        return Task.FromResult<IActionResult>(ODataErrors.BadRequest("InvalidQuery", "Replica mode answers Instruments, ServiceOfferings and Datasets."));
    }

    private static async Task<IActionResult> RunAsync<T, TReplica>(HttpContext http, ODataQueryOptions options, ODataQuerySettings settings,
        ReplicaUnionFeature feature, string set, Func<CatalogDbContext, IQueryable<T>> local, Func<CatalogDbContext, string, IQueryable<T>> replica,
        Func<CatalogDbContext, IQueryable<TReplica>> replicas)
        where T : class where TReplica : class, T
    {
        if (LeanPages.ShapeOf(http, options) is not { Expansions.Count: 0 } shape)
        {
            return ODataErrors.BadRequest("InvalidQuery", "Replica mode answers $select of the set's own properties; $expand is not available in replica mode.", "$expand");
        }
        if (options.GenerateStableOrder() is not { } order || KeyColumns<TReplica>(options, order) is not { } keyColumns)
        {
            return ODataErrors.BadRequest("InvalidQuery", "Replica mode orders by properties of the set.", "$orderby");
        }
        var db = http.RequestServices.GetRequiredService<CatalogDbContext>();
        var cancel = http.RequestAborted;
        var localNode = http.RequestServices.GetRequiredService<FederationOptions>().NodeCode;
        var now = (http.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow();
        // A filter on now() answers differently as time passes, even over a replica that does not change.
        var replicaMemo = http.RequestServices.GetRequiredService<ReplicaMemo>();
        var memoize = http.RequestServices.GetRequiredService<IConfiguration>().GetValue("Federation:ReplicaMemo", true)
            && options.RawValues.Filter?.Contains("now(", StringComparison.OrdinalIgnoreCase) != true;
        var peers = feature.Parts.Select(p => p.Node).Where(n => n != localNode).ToList();

        // A peer's set counts as harvested once a harvest read its feed to the end; else it is no part of the answer.
        var harvested = peers.Count == 0 ? [] : await replicaMemo.StatesAsync(db, set, cancel);
        var answers = new Dictionary<string, PartAnswer<TReplica>>(StringComparer.Ordinal);
        var work = new List<(UnionPart Part, ReplicaMemo.Key? Key)>();
        await using var contexts = new PartContexts(http, db);
        IQueryable<T> Source(CatalogDbContext context, string node) => node == localNode ? local(context) : replica(context, node);

        // A part is answered from memory when its rows are held there and current, and the query runs there exactly as
        // in SQL (ReplicaSnapshots, MemoryQuery); else from the memo (a peer's); else in SQL below.
        var snapshots = http.RequestServices.GetRequiredService<ReplicaSnapshots>();
        string? heartbeats = null;
        var memory = snapshots.Enabled ? MemoryQuery<TReplica>.TryCreate<T>(options, settings, order) : null;
        foreach (var part in feature.Parts)
        {
            ReplicaMemo.Key? key = null;
            var isLocal = part.Node == localNode;
            (DateTime HarvestedAt, DateTime UpdatedAt) state = default;
            if (!isLocal && (!harvested.TryGetValue(part.Node, out state) || !peers.Contains(part.Node)))
            {
                continue;
            }
            var notInFeed = isLocal ? NotInFeed.GetValueOrDefault(typeof(T)) ?? [] : [];
            if (memory is not null && !memory.Reads(notInFeed))
            {
                var rows = isLocal
                    ? await snapshots.LocalAsync(await contexts.GetAsync(0, cancel), set, localNode, local, () => Projection<T, TReplica>(db, localNode), KeyIn<T>, cancel)
                    : snapshots.Peer(set, part.Node, state.UpdatedAt, replicas);
                if (rows is not null)
                {
                    answers[part.Node] = memory.Run(rows, part.Skip, part.Top);
                    if (notInFeed.Length > 0)
                    {
                        heartbeats = part.Node;
                    }
                    snapshots.CountMemoryPart();
                    continue;
                }
            }
            if (!isLocal)
            {
                // A replica changes only when a harvest changes its rows (which moves its cursor row's UpdatedAt):
                // until then, a part's answer is memoized.
                key = new ReplicaMemo.Key(set, part.Node, state.UpdatedAt, options.RawValues.Filter, options.RawValues.OrderBy, part.Skip, part.Top);
                if (memoize && replicaMemo.Get<TReplica>(key) is { } memo)
                {
                    answers[part.Node] = memo;
                    continue;
                }
            }
            work.Add((part, key));
        }

        // Each part's count, and the keys of its window in its order: the parts shared among as many connections as
        // there are cores, each taking its parts one after the other. The queries are built here first, one after the
        // other (the library's binders), and only run in parallel.
        if (work.Count > 0)
        {
            var lanes = Math.Min(work.Count, Environment.ProcessorCount);
            var queries = new List<(int Lane, IQueryable<T> Filtered, IQueryable<TReplica> Keys)>();
            foreach (var (i, (part, _)) in work.Index())
            {
                var source = Source(await contexts.GetAsync(i % lanes, cancel), part.Node);
                var filtered = options.Filter is null ? source : (IQueryable<T>)options.Filter.ApplyTo(source, settings);
                queries.Add((i % lanes, filtered, Window((IQueryable<T>)order.ApplyTo(filtered, settings), part).Select(KeyProjection<T, TReplica>(keyColumns, part.Node))));
            }
            var computed = new PartAnswer<TReplica>[work.Count];
            await Task.WhenAll(Enumerable.Range(0, lanes).Select(lane => Task.Run(async () =>
            {
                foreach (var (i, query) in queries.Index().Where(q => q.Item.Lane == lane))
                {
                    computed[i] = new PartAnswer<TReplica>(await query.Filtered.LongCountAsync(cancel), await query.Keys.ToListAsync(cancel));
                }
            }, cancel)));
            foreach (var (i, (part, key)) in work.Index())
            {
                answers[part.Node] = computed[i];
                if (memoize && key is not null)
                {
                    replicaMemo.Set(key, computed[i]);
                }
            }
        }

        // The rows to send: the merge's share of each window (all of it when the federation merges by itself), whole
        // rows read by key — this node's from its table, the peers' from the replica table in one query, the two at
        // once; a memoized part keeps those it read before.
        var taken = feature.Request.Consume is { } consume
            ? Taken(http, set, options, order, feature.Parts, answers, consume)
            : null;
        if (heartbeats is not null && answers[heartbeats] is PartAnswer<ReplicaInstrument> fromMemory)
        {
            await CurrentHeartbeatsAsync(await contexts.GetAsync(0, cancel), fromMemory, taken?.GetValueOrDefault(heartbeats, fromMemory.Keys.Count) ?? fromMemory.Keys.Count, cancel);
        }
        var (localIds, replicaIds, replicaNodes) = (new List<Guid>(), new List<Guid>(), new List<string>());
        foreach (var (node, answer) in answers)
        {
            var ids = answer.Keys.Take(taken?.GetValueOrDefault(node, answer.Keys.Count) ?? answer.Keys.Count)
                .Select(KeyOf<TReplica>.Get).Where(id => !answer.Rows.ContainsKey(id)).ToList();
            if (ids.Count > 0 && node != localNode)
            {
                replicaNodes.Add(node);
            }
            (node == localNode ? localIds : replicaIds).AddRange(ids);
        }
        var fetches = new List<IQueryable<TReplica>>();
        if (localIds.Count > 0)
        {
            fetches.Add(local(await contexts.GetAsync(fetches.Count, cancel)).Where(KeyIn<T>(localIds)).Select(Projection<T, TReplica>(db, localNode)));
        }
        if (replicaIds.Count > 0)
        {
            // (node, id) is the replica tables' key: both lists, so the lookups are by key.
            fetches.Add(replicas(await contexts.GetAsync(fetches.Count, cancel)).Where(NodeIn<TReplica>(replicaNodes)).Where(KeyIn<TReplica>(replicaIds)));
        }
        foreach (var rows in await Task.WhenAll(fetches.Select(q => Task.Run(() => q.ToListAsync(cancel), cancel))))
        {
            foreach (var row in rows)
            {
                // A key may be in two nodes' replicas: each part takes only its own node's row.
                if (answers.TryGetValue(NodeOf<TReplica>.Get(row), out var answer))
                {
                    answer.Rows.TryAdd(KeyOf<TReplica>.Get(row), row);
                }
            }
        }
        return new UnionResult<TReplica>(feature.Parts, localNode, harvested.ToDictionary(h => h.Key, h => h.Value.HarvestedAt, StringComparer.Ordinal),
            answers, taken, shape, now);
    }

    /// <summary>
    /// This node's rows answered from memory, with their current <c>lastSeenAt</c>: the first <paramref name="send"/> of
    /// the window, read by key (two columns). A row gone from the table since is dropped from the answer's rows (then
    /// read whole by key, and left out when it is not there).
    /// </summary>
    private static async Task CurrentHeartbeatsAsync(CatalogDbContext db, PartAnswer<ReplicaInstrument> answer, int send, CancellationToken cancel)
    {
        var ids = answer.Keys.Take(send).Select(k => k.Id).ToList();
        if (ids.Count == 0)
        {
            return;
        }
        var seen = await db.Instruments.AsNoTracking().Where(KeyIn<Instrument>(ids)).Select(i => new { i.Id, i.LastSeenAt })
            .ToDictionaryAsync(i => i.Id, i => i.LastSeenAt, cancel);
        foreach (var id in ids)
        {
            if (!seen.TryGetValue(id, out var lastSeenAt))
            {
                answer.Rows.TryRemove(id, out _);
            }
            else if (answer.Rows.TryGetValue(id, out var row) && row.LastSeenAt != lastSeenAt)
            {
                answer.Rows[id] = row.WithLastSeenAt(lastSeenAt);
            }
        }
    }

    /// <summary>
    /// The catalog contexts a request's parts run on: the request's own first, then one per further part (each from a
    /// scope of its own, so from the pool), each kept on one open connection until the answer is read.
    /// </summary>
    private sealed class PartContexts(HttpContext http, CatalogDbContext first) : IAsyncDisposable
    {
        private readonly List<(AsyncServiceScope? Scope, CatalogDbContext Context)> _contexts = [];

        public async Task<CatalogDbContext> GetAsync(int index, CancellationToken cancel)
        {
            while (_contexts.Count <= index)
            {
                var scope = _contexts.Count == 0 ? (AsyncServiceScope?)null : http.RequestServices.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
                var context = scope?.ServiceProvider.GetRequiredService<CatalogDbContext>() ?? first;
                _contexts.Add((scope, context));
                await context.Database.OpenConnectionAsync(cancel);
            }
            return _contexts[index].Context;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var (scope, context) in _contexts)
            {
                await context.Database.CloseConnectionAsync();
                if (scope is { } owned)
                {
                    await owned.DisposeAsync();
                }
            }
        }
    }

    /// <summary>
    /// Per part, how many of its rows to send: the federation's merge run here over the parts' windows (the library's
    /// own <see cref="RowComparer"/>, keys of the same kinds as it reads them from JSON) until it has consumed
    /// <paramref name="consume"/> rows or must ask a node again — the rows it took, plus the next one of each part, so
    /// the merge there takes exactly the same rows without asking again.
    /// </summary>
    private static Dictionary<string, int>? Taken<TReplica>(HttpContext http, string set, ODataQueryOptions options, OrderByQueryOption order,
        IReadOnlyList<UnionPart> parts, Dictionary<string, PartAnswer<TReplica>> answers, long consume) where TReplica : class
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
            var (count, rows) = (answers[p.Node].Count, answers[p.Node].Keys);
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
    internal static Expression<Func<T, TReplica>> Projection<T, TReplica>(CatalogDbContext db, string node) where TReplica : T
    {
        var parameter = Expression.Parameter(typeof(T), "row");
        var bindings = db.Model.FindEntityType(typeof(T))!.GetProperties()
            .Where(p => p.PropertyInfo is { CanWrite: true })
            .Select(p => (MemberBinding)Expression.Bind(typeof(TReplica).GetProperty(p.PropertyInfo!.Name)!, Expression.Property(parameter, p.PropertyInfo!)))
            .Append(Expression.Bind(typeof(TReplica).GetProperty("Node")!, Expression.Constant(node)));
        return Expression.Lambda<Func<T, TReplica>>(Expression.MemberInit(Expression.New(typeof(TReplica)), bindings), parameter);
    }

    /// <summary>
    /// The CLR properties a part's window is cut and merged by: the <c>$orderby</c> properties (the library's stable
    /// order: the asked ones, then the key) and the key; null when an order is not a property of the set.
    /// </summary>
    private static List<PropertyInfo>? KeyColumns<TReplica>(ODataQueryOptions options, OrderByQueryOption order)
    {
        var columns = new List<PropertyInfo> { KeyOf<TReplica>.Property };
        foreach (var node in order.OrderByNodes)
        {
            if (node is not OrderByPropertyNode { Property: var property }
                || typeof(TReplica).GetProperty(options.Context.Model.GetClrPropertyName(property) ?? property.Name) is not { } clr)
            {
                return null;
            }
            if (!columns.Contains(clr))
            {
                columns.Add(clr);
            }
        }
        return columns;
    }

    /// <summary><c>row =&gt; new TReplica { Node = node, Id = row.Id, PriceCny = row.PriceCny }</c>: a window's keys only, a narrow read.</summary>
    private static Expression<Func<T, TReplica>> KeyProjection<T, TReplica>(List<PropertyInfo> columns, string node) where TReplica : T
    {
        var parameter = Expression.Parameter(typeof(T), "row");
        var bindings = columns
            .Select(c => (MemberBinding)Expression.Bind(c, Expression.Property(parameter, typeof(T).GetProperty(c.Name)!)))
            .Append(Expression.Bind(typeof(TReplica).GetProperty("Node")!, Expression.Constant(node)));
        return Expression.Lambda<Func<T, TReplica>>(Expression.MemberInit(Expression.New(typeof(TReplica)), bindings), parameter);
    }

    /// <summary><c>row =&gt; ids.Contains(row.Id)</c>, the list a parameter (one cached plan whatever the keys).</summary>
    private static Expression<Func<T, bool>> KeyIn<T>(List<Guid> ids)
    {
        var parameter = Expression.Parameter(typeof(T), "row");
        var list = Expression.Property(Expression.Constant(new KeyList(ids)), nameof(KeyList.Ids));
        var contains = Expression.Call(typeof(Enumerable), nameof(Enumerable.Contains), [typeof(Guid)], list, Expression.Property(parameter, typeof(T).GetProperty("Id")!));
        return Expression.Lambda<Func<T, bool>>(contains, parameter);
    }

    /// <summary><c>row =&gt; nodes.Contains(row.Node)</c>, the list a parameter.</summary>
    private static Expression<Func<TReplica, bool>> NodeIn<TReplica>(List<string> nodes)
    {
        var parameter = Expression.Parameter(typeof(TReplica), "row");
        var list = Expression.Property(Expression.Constant(new NodeList(nodes)), nameof(NodeList.Nodes));
        var contains = Expression.Call(typeof(Enumerable), nameof(Enumerable.Contains), [typeof(string)], list, Expression.Property(parameter, "Node"));
        return Expression.Lambda<Func<TReplica, bool>>(contains, parameter);
    }

    private sealed class NodeList(List<string> nodes)
    {
        public List<string> Nodes { get; } = nodes;
    }

    private sealed class KeyList(List<Guid> ids)
    {
        public List<Guid> Ids { get; } = ids;
    }

    /// <summary>
    /// <c>{"parts":[{"node","status":"ok"|"no-replica","replicaAgeSeconds","@odata.count","value":[…]}, …]}</c>, the parts
    /// in the order asked, each row as <c>/odata</c> writes it.
    /// </summary>
    private sealed class UnionResult<TReplica>(IReadOnlyList<UnionPart> parts, string localNode, Dictionary<string, DateTime> harvested,
        Dictionary<string, PartAnswer<TReplica>> answers, Dictionary<string, int>? taken, LeanPages.EntityShape shape, DateTimeOffset now) : IActionResult
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
                    var answer = answers.GetValueOrDefault(part.Node) ?? PartAnswer<TReplica>.Empty;
                    writer.WriteNumber("@odata.count", answer.Count);
                    writer.WriteStartArray("value");
                    var send = taken?.GetValueOrDefault(part.Node, answer.Keys.Count) ?? answer.Keys.Count;
                    foreach (var key in answer.Keys.Take(send))
                    {
                        // A row deleted (by a harvest) between its key's read and its own is left out: the part then
                        // has fewer rows than its count says, and the federation asks it again from there.
                        if (answer.Rows.TryGetValue(KeyOf<TReplica>.Get(key), out var row))
                        {
                            LeanPages.WriteEntity(writer, shape, row, http);
                        }
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

/// <summary>The key (<c>Id</c>) of a replica row, read through a compiled getter.</summary>
internal static class KeyOf<TReplica>
{
    public static readonly PropertyInfo Property = typeof(TReplica).GetProperty("Id") is { } id && id.PropertyType == typeof(Guid)
        ? id
        : throw new InvalidOperationException($"{typeof(TReplica).Name} has no Guid key named Id.");

    public static readonly Func<TReplica, Guid> Get = Compile();

    private static Func<TReplica, Guid> Compile()
    {
        var row = Expression.Parameter(typeof(TReplica), "row");
        return Expression.Lambda<Func<TReplica, Guid>>(Expression.Property(row, Property), row).Compile();
    }
}

/// <summary>
/// A part's answer: its count, its window's keys in its order (<see cref="Keys"/>: rows holding only the order
/// properties, the key and the node), and the whole rows read so far by key (<see cref="Rows"/>; a memoized answer
/// gains more as later requests take more of its window).
/// </summary>
public sealed class PartAnswer<TReplica>(long count, List<TReplica> keys) where TReplica : class
{
    public static readonly PartAnswer<TReplica> Empty = new(0, []);

    public long Count { get; } = count;

    public List<TReplica> Keys { get; } = keys;

    public ConcurrentDictionary<Guid, TReplica> Rows { get; } = new();
}

/// <summary>
/// Replica parts' answers (count and rows), memoized per state of the replica: a harvest that changes rows moves the
/// replica's cursor row (<c>UpdatedAt</c>), which is part of the key, so a memoized answer is never older than the
/// replica itself. Bounded by rows held; <c>Federation:ReplicaMemo=false</c> turns it off. One per host (a singleton),
/// so several nodes in one process (tests, benchmarks) never see each other's replica states or answers.
/// </summary>
public sealed class ReplicaMemo : IDisposable
{
    public sealed record Key(string Set, string Node, DateTime UpdatedAt, string? Filter, string? OrderBy, long Skip, int Top);

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

    public PartAnswer<TReplica>? Get<TReplica>(Key key) where TReplica : class =>
        Cache.TryGetValue(key, out var value) ? value as PartAnswer<TReplica> : null;

    public void Set<TReplica>(Key key, PartAnswer<TReplica> answer) where TReplica : class =>
        Cache.Set(key, answer, new MemoryCacheEntryOptions { Size = answer.Keys.Count + 1, SlidingExpiration = TimeSpan.FromMinutes(10) });

    public void Dispose() => Cache.Dispose();
}
