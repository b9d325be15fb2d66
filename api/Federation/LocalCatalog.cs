using System.Buffers;
using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Datasets;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Api.ServiceOfferings;
using DxyqOpenData.Federation;
using Microsoft.AspNetCore.OData.Edm;
using Microsoft.AspNetCore.OData.Formatter.Value;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.OData;
using Microsoft.OData.Edm;
using Microsoft.OData.UriParser;

namespace DxyqOpenData.Api.Federation;

/// <summary>
/// This node's catalog as the federation asks it (<see cref="ILocalCatalog"/>): one query of a public entity set
/// (<see cref="EntitySetQuery"/>: the options, limits and restricted properties of <c>/odata</c> for an anonymous
/// client), answered per part — this node's public set, or a harvested peer's replica table projected to the public
/// type:
/// <list type="bullet">
/// <item>per part, its count and the keys of its window (<c>ORDER BY … LIMIT size OFFSET position</c>, only the order
/// properties and the key: a narrow read on the table's indexes, the replica tables' led by the node), in the part's own
/// order (nulls first on every provider, <see cref="NullsFirstOrdering"/>), as the merge expects; the parts shared
/// among one connection per core, run at the same time;</item>
/// <item>the merge run here over those keys (<see cref="Taken"/>) decides how many of each window the answer needs;</item>
/// <item>only those rows are read whole, by key: this node's from its table (with its to-one expansions), the peers'
/// from the replica table in one query by (node, id).</item>
/// </list>
/// A peer's part is memoized (<see cref="ReplicaMemo"/>) until a harvest changes its replica. The federation library
/// merges the parts exactly as it merges live answers (same order, positions, nextLinks).
/// </summary>
public sealed class LocalCatalog(CatalogDbContext db, IServiceProvider services, FederationOptions federation, ReplicaMemo replicaMemo,
    FederatedSchema schema, TimeProvider? time = null) : ILocalCatalog
{
    public async Task<IReadOnlyList<CatalogPart>> QueryAsync(string set, IReadOnlyDictionary<string, string> options, UnionRequest request,
        CancellationToken cancellation)
    {
        // PostgreSQL orders nulls last ascending; OData (and the federated merge) wants them first (NullsFirstOrdering).
        NullsFirstOrdering.Active.Value = true;
        try
        {
            var query = EntitySetQuery.Parse(services, set, options);
            return set switch
            {
                "Instruments" => await RunAsync<Instrument, ReplicaInstrument>(query, request, set, d => d.Instruments,
                    (d, node) => new FeedRows(d).ReplicaInstruments(node), d => d.ReplicaInstruments.AsNoTracking(), cancellation),
                "ServiceOfferings" => await RunAsync<ServiceOffering, ReplicaServiceOffering>(query, request, set, d => d.ServiceOfferings,
                    (d, node) => new FeedRows(d).ReplicaServiceOfferings(node), d => d.ReplicaServiceOfferings.AsNoTracking(), cancellation),
                "Datasets" => await RunAsync<Dataset, ReplicaDataset>(query, request, set, d => d.Datasets,
                    (d, node) => new FeedRows(d).ReplicaDatasets(node), d => d.ReplicaDatasets.AsNoTracking(), cancellation),
                _ => throw new FederationQueryException("Federated queries answer Instruments, ServiceOfferings and Datasets."),
            };
        }
        catch (QueryRejectedException e)
        {
            throw new FederationQueryException(e.Message, e.Target);
        }
        catch (Exception e) when (e is not FederationQueryException and not OperationCanceledException && CatalogQueryAttribute.IsClientFault(e))
        {
            // What /odata answers 400 for: the library's refusals in its words, a query the database cannot evaluate.
            throw BadInput.Explain(e, name => options.GetValueOrDefault(name)) is { } rejected
                ? new FederationQueryException(rejected.Message, rejected.Target)
                : new FederationQueryException(e is ODataException ? e.Message : CatalogQueryAttribute.Describe(e));
        }
        finally
        {
            NullsFirstOrdering.Active.Value = false;
        }
    }

    private async Task<IReadOnlyList<CatalogPart>> RunAsync<T, TReplica>(EntitySetQuery query, UnionRequest request, string set,
        Func<CatalogDbContext, IQueryable<T>> local, Func<CatalogDbContext, string, IQueryable<T>> replica,
        Func<CatalogDbContext, IQueryable<TReplica>> replicas, CancellationToken cancel)
        where T : class where TReplica : class, T
    {
        var localNode = federation.NodeCode;
        var peers = request.Parts.Select(p => p.Node).Where(n => n != localNode).ToList();
        if (query.Shape.Expansions.Count > 0 && peers.Count > 0)
        {
            throw new FederationQueryException("$expand is not available in replica mode (replicas hold each set on its own); use mode=live.", "$expand");
        }
        if (KeyColumns<TReplica>(query) is not { } keyColumns)
        {
            throw new FederationQueryException("Federated queries order by properties of the set.", "$orderby");
        }
        var now = (time ?? TimeProvider.System).GetUtcNow();
        // A filter on now() answers differently as time passes, even over a replica that does not change.
        var memoize = federation.ReplicaMemo
            && query.RawFilter?.Contains("now(", StringComparison.OrdinalIgnoreCase) != true;

        // A peer's set counts as harvested once a harvest read its feed to the end; else it is no part of the answer.
        var harvested = peers.Count == 0 ? [] : await replicaMemo.StatesAsync(db, set, cancel);
        var answers = new Dictionary<string, PartAnswer<TReplica>>(StringComparer.Ordinal);
        var work = new List<(UnionPart Part, ReplicaMemo.Key? Key)>();
        await using var contexts = new PartContexts(services, db);
        IQueryable<T> Source(CatalogDbContext context, string node) => node == localNode ? local(context) : replica(context, node);

        foreach (var part in request.Parts)
        {
            ReplicaMemo.Key? key = null;
            if (part.Node != localNode)
            {
                if (!harvested.TryGetValue(part.Node, out var state))
                {
                    continue;
                }
                // A replica changes only when a harvest changes its rows (which moves its cursor row's UpdatedAt):
                // until then, a part's answer is memoized.
                key = new ReplicaMemo.Key(set, part.Node, state.UpdatedAt, query.RawFilter, query.RawOrderBy, part.Skip, part.Top);
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
                var filtered = query.ApplyFilter(Source(await contexts.GetAsync(i % lanes, cancel), part.Node));
                queries.Add((i % lanes, filtered, Window(query.ApplyOrderBy(filtered), part).Select(KeyProjection<T, TReplica>(keyColumns, part.Node))));
            }
            var computed = new PartAnswer<TReplica>[work.Count];
            await Task.WhenAll(Enumerable.Range(0, lanes).Select(lane => Task.Run(async () =>
            {
                foreach (var (i, q) in queries.Index().Where(q => q.Item.Lane == lane))
                {
                    computed[i] = new PartAnswer<TReplica>(await q.Filtered.LongCountAsync(cancel), await q.Keys.ToListAsync(cancel));
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
        var taken = request.Consume is { } consume ? Taken(query, set, request.Parts, answers, consume) : null;
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
        var fetches = new List<Task<List<(string Node, Guid Id, object Row)>>>();
        if (localIds.Count > 0 && query.Projection is not null)
        {
            // Collections and nested options: the library's projection of the rows, as /odata runs it.
            var rows = query.Project(local(await contexts.GetAsync(fetches.Count, cancel)).AsNoTracking().Where(KeyIn<T>(localIds)));
            var key = query.EntitySet.EntityType.Key().Single().Name;
            fetches.Add(Task.Run(async () => (await rows.ToListAsync(cancel))
                .Select(r => (localNode, ((IEdmEntityObject)r).TryGetPropertyValue(key, out var id) ? (Guid)id : Guid.Empty, r)).ToList(), cancel));
        }
        else if (localIds.Count > 0)
        {
            var rows = local(await contexts.GetAsync(fetches.Count, cancel)).AsNoTracking().Where(KeyIn<T>(localIds));
            foreach (var (navigation, _) in query.Shape.Expansions)
            {
                rows = rows.Include(navigation.ClrName);
            }
            fetches.Add(Task.Run(async () => (await rows.ToListAsync(cancel)).Select(r => (localNode, KeyOf<T>.Get(r), (object)r)).ToList(), cancel));
        }
        if (replicaIds.Count > 0)
        {
            // (node, id) is the replica tables' key: both lists, so the lookups are by key.
            var rows = replicas(await contexts.GetAsync(fetches.Count, cancel)).Where(NodeIn<TReplica>(replicaNodes)).Where(KeyIn<TReplica>(replicaIds));
            fetches.Add(Task.Run(async () => (await rows.ToListAsync(cancel)).Select(r => (NodeOf<TReplica>.Get(r), KeyOf<TReplica>.Get(r), (object)r)).ToList(), cancel));
        }
        foreach (var (node, id, row) in (await Task.WhenAll(fetches)).SelectMany(r => r))
        {
            // A key may be in two nodes' replicas: each part takes only its own node's row.
            if (answers.TryGetValue(node, out var answer))
            {
                answer.Rows.TryAdd(id, row);
            }
        }

        return request.Parts.Select(part =>
        {
            var isLocal = part.Node == localNode;
            if (!isLocal && !harvested.ContainsKey(part.Node))
            {
                return new CatalogPart(part.Node, null, [], null);
            }
            long? age = isLocal ? null : (long)Math.Max(0, (now - new DateTimeOffset(harvested[part.Node].HarvestedAt, TimeSpan.Zero)).TotalSeconds);
            var answer = answers.GetValueOrDefault(part.Node) ?? PartAnswer<TReplica>.Empty;
            var send = taken?.GetValueOrDefault(part.Node, answer.Keys.Count) ?? answer.Keys.Count;
            // A row deleted (by a harvest) between its key's read and its own is left out: the part then has fewer rows
            // than its count says, and the federation asks it again from there.
            var rows = answer.Keys.Take(send).Select(k => answer.Rows.GetValueOrDefault(KeyOf<TReplica>.Get(k))).OfType<object>();
            return new CatalogPart(part.Node, answer.Count, Json(query, rows), age);
        }).ToList();
    }

    /// <summary>The rows as <c>/odata</c> writes them, each a JSON object of its own.</summary>
    private static List<JsonObject> Json(EntitySetQuery query, IEnumerable<object> rows)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, LeanPages.Writer))
        {
            writer.WriteStartArray();
            foreach (var row in rows)
            {
                query.WriteEntity(writer, row);
            }
            writer.WriteEndArray();
        }
        var array = JsonNode.Parse(buffer.WrittenSpan)!.AsArray();
        var objects = array.Select(n => n!.AsObject()).ToList();
        array.Clear();
        return objects;
    }

    /// <summary>
    /// The catalog contexts a request's parts run on: the request's own first, then one per further part (each from a
    /// scope of its own, so from the pool), each kept on one open connection until the answer is read.
    /// </summary>
    private sealed class PartContexts(IServiceProvider services, CatalogDbContext first) : IAsyncDisposable
    {
        private readonly List<(AsyncServiceScope? Scope, CatalogDbContext Context)> _contexts = [];

        public async Task<CatalogDbContext> GetAsync(int index, CancellationToken cancel)
        {
            while (_contexts.Count <= index)
            {
                var scope = _contexts.Count == 0 ? (AsyncServiceScope?)null : services.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
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
    private Dictionary<string, int>? Taken<TReplica>(EntitySetQuery query, string set, IReadOnlyList<UnionPart> parts,
        Dictionary<string, PartAnswer<TReplica>> answers, long consume) where TReplica : class
    {
        var entity = schema.Sets[set];
        var orders = new List<OrderClause>();
        for (var clause = query.OrderBy; clause is not null; clause = clause.ThenBy)
        {
            if (clause.Expression is not SingleValuePropertyAccessNode { Property: var property })
            {
                return null;
            }
            orders.Add(new OrderClause(property.Name, clause.Direction == OrderByDirection.Descending));
        }
        // The comparer's columns: the $orderby properties up to the key, then the key.
        var columns = new List<string>();
        foreach (var clause in orders)
        {
            columns.Add(clause.Property);
            if (clause.Property == entity.Key)
            {
                break;
            }
        }
        if (columns.Count == 0 || columns[^1] != entity.Key)
        {
            columns.Add(entity.Key);
        }
        var getters = new List<(Func<object, object?> Get, ValueKind Kind)>();
        foreach (var column in columns)
        {
            if (query.EntitySet.EntityType.FindProperty(column) is not { } edm
                || typeof(TReplica).GetProperty(query.Model.GetClrPropertyName(edm) ?? column) is not { } clr
                || !entity.Properties.TryGetValue(column, out var kind))
            {
                return null;
            }
            getters.Add((clr.GetValue, kind));
        }
        var comparer = new RowComparer(orders, entity);
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

    /// <summary>
    /// The CLR properties a part's window is cut and merged by: the <c>$orderby</c> properties and the key; null when an
    /// order is not a property of the set.
    /// </summary>
    private static List<PropertyInfo>? KeyColumns<TReplica>(EntitySetQuery query)
    {
        var columns = new List<PropertyInfo> { KeyOf<TReplica>.Property };
        for (var clause = query.OrderBy; clause is not null; clause = clause.ThenBy)
        {
            if (clause.Expression is not SingleValuePropertyAccessNode { Property: var property }
                || typeof(TReplica).GetProperty(query.Model.GetClrPropertyName(property) ?? property.Name) is not { } clr)
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

}
