using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json;
using System.Text;

namespace DxyqOpenData.Federation;

/// <summary>
/// A federated query: asks this node and every peer in parallel (in rounds, each node from its own position), merges
/// their ordered streams with a typed k-way merge, applies $skip and $top to the merged stream, sums the counts and
/// tags every row with its node. See docs/federation.md.
/// </summary>
public sealed class FederationService(FederationOptions options, FederatedSchema schema, LocalNodeSource local, IReadOnlyList<PeerNodeSource> peers)
{
    /// <summary>Rounds of fetching within one request (each node answers at most 100 rows per request).</summary>
    public const int MaxRounds = 15;

    public FederationOptions Options => options;

    public bool Serves(string set) => schema.Sets.ContainsKey(set);

    /// <summary>One page of the federated answer; <paramref name="nextLink"/> makes the absolute link from a skiptoken.</summary>
    public async Task<JsonObject> QueryAsync(string set, IEnumerable<KeyValuePair<string, string?>> queryOptions,
        Func<string, string> nextLink, CancellationToken cancellation, string? mode = null)
    {
        var entitySet = schema.Sets[set];
        var query = FederatedQuery.Parse(set, queryOptions, entitySet, options.LinkKeyBytes, mode);
        var replica = query.Mode == FederatedQuery.ReplicaMode;
        var orders = query.Orders(entitySet);
        var (_, added) = query.SelectItems(entitySet);
        var comparer = new RowComparer(orders, entitySet);

        // Replica mode: this node and each peer's replica, all parts of one query of this node; live: each asked on its own.
        var sources = replica
            ? new[] { (local.Code, (NodeSource?)null) }.Concat(options.Peers.Select(p => (p.Code, (NodeSource?)null)))
            : new[] { (local.Code, (NodeSource?)local) }.Concat(peers.Select(p => (p.Code, (NodeSource?)p)));
        var nodes = new List<NodeState>();
        foreach (var (code, source) in sources)
        {
            if (query.Positions is null)
            {
                nodes.Add(new NodeState(code, source, 0));
            }
            else if (query.Positions.TryGetValue(code, out var position))
            {
                nodes.Add(new NodeState(code, source, position));
            }
        }

        var skip = query.Skip;
        var want = query.Top is { } top ? Math.Min(top, FederatedQuery.PageSize) : FederatedQuery.PageSize;
        var emitted = new List<(JsonObject Row, string Node)>();
        var exhausted = false;
        for (var round = 0; round < MaxRounds; round++)
        {
            var size = (int)Math.Min(skip + want - emitted.Count, FederatedQuery.PageSize);
            var fetch = nodes.Where(n => n.Active && n.Buffer.Count == 0 && n.HasMore).ToList();
            var answers = fetch.Count == 0 ? []
                : replica
                ? await local.FetchPartsAsync(set, SharedOptions(query, entitySet, orders, added),
                    new UnionRequest(fetch.Select(n => new UnionPart(n.Code, n.Position, size)).ToList(),
                        nodes.All(n => !n.Active || n.Buffer.Count == 0) ? skip + want - emitted.Count : null), cancellation)
                : await Task.WhenAll(fetch.Select(n =>
                    n.Source!.FetchAsync(set, NodeQuery(query, entitySet, orders, added, n.Position, size), cancellation)));
            for (var i = 0; i < fetch.Count; i++)
            {
                Accept(fetch[i], answers[i], comparer, size);
            }
            if (size == 0)
            {
                break;
            }
            // Merge until the page is full, every node is drained, or a node that has more must be asked again.
            while (emitted.Count < want)
            {
                if (nodes.Any(n => n.Active && n.Buffer.Count == 0 && n.HasMore))
                {
                    break;
                }
                NodeState? next = null;
                foreach (var n in nodes.Where(n => n.Active && n.Buffer.Count > 0))
                {
                    if (next is null || comparer.Compare(n.Buffer.Peek().Key, n.Code, next.Buffer.Peek().Key, next.Code) < 0)
                    {
                        next = n;
                    }
                }
                if (next is null)
                {
                    exhausted = true;
                    break;
                }
                var (row, _) = next.Buffer.Dequeue();
                next.Position++;
                if (skip > 0)
                {
                    skip--;
                }
                else
                {
                    emitted.Add((row, next.Code));
                }
            }
            if (exhausted || emitted.Count >= want)
            {
                break;
            }
        }

        var result = new JsonObject();
        if (query.Count)
        {
            result["@odata.count"] = nodes.Where(n => n.Status == SourceStatus.Ok).Sum(n => n.Count ?? 0);
        }
        result["sources"] = new JsonArray(nodes.Select(n =>
        {
            var source = new JsonObject
            {
                ["node"] = n.Code,
                ["status"] = n.Status,
                ["ms"] = n.Ms,
                ["count"] = n.Status == SourceStatus.Ok ? n.Count : null,
                ["error"] = n.Error,
            };
            if (replica)
            {
                // This node answers from its own tables (null); a peer from its replica, harvested that long ago.
                source["replicaAgeSeconds"] = n.ReplicaAgeSeconds;
            }
            return (JsonNode)source;
        }).ToArray());
        var value = new JsonArray();
        foreach (var (row, node) in emitted)
        {
            foreach (var name in added)
            {
                row.Remove(name);
            }
            Withhold(row, entitySet.Withheld);
            row["node"] = node;
            value.Add(row);
        }
        result["value"] = value;

        var remaining = query.Top is { } t ? t - emitted.Count : (long?)null;
        var more = !exhausted && nodes.Any(n => n.Active && (n.Buffer.Count > 0 || n.HasMore));
        if (more && remaining is null or > 0 && want > 0)
        {
            var state = query with
            {
                Skip = skip,
                Top = remaining,
                Positions = nodes.Where(n => n.Active).ToDictionary(n => n.Code, n => n.Position),
            };
            result["@odata.nextLink"] = nextLink(NextLinks.Seal(state, options.LinkKeyBytes));
        }
        return result;
    }

    /// <summary>Removes withheld properties (contacts) at every depth, expanded entities included.</summary>
    private static void Withhold(JsonNode? node, IReadOnlySet<string> names)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var name in names)
                {
                    obj.Remove(name);
                }
                foreach (var (_, child) in obj)
                {
                    Withhold(child, names);
                }
                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    Withhold(child, names);
                }
                break;
        }
    }

    private static void Accept(NodeState node, NodeAnswer answer, RowComparer comparer, int size)
    {
        if (answer.BadQuery is { } message)
        {
            throw new FederationQueryException(message);
        }
        node.Ms += answer.Ms;
        if (answer.Status != SourceStatus.Ok)
        {
            node.Fail(answer.Status, answer.Error);
            return;
        }
        try
        {
            foreach (var row in answer.Rows)
            {
                node.Buffer.Enqueue((row, comparer.KeyOf(row)));
            }
        }
        catch (InvalidDataException e)
        {
            node.Fail(SourceStatus.Error, e.Message);
            return;
        }
        node.Count ??= answer.Count;
        node.ReplicaAgeSeconds ??= answer.ReplicaAgeSeconds;
        // A node that says it has more but gave nothing is not asked again (no endless rounds).
        node.HasMore = answer.HasMore && answer.Rows.Count > 0 && size > 0;
    }

    /// <summary>What a node is asked: the shared options, then its position and page size, with its count.</summary>
    private static string NodeQuery(FederatedQuery query, EntitySetSchema set, IReadOnlyList<OrderClause> orders,
        IReadOnlyList<string> added, long skip, int top) =>
        SharedQuery(query, set, orders, added)
        + $"&$skip={skip.ToString(CultureInfo.InvariantCulture)}&$top={top.ToString(CultureInfo.InvariantCulture)}&$count=true";

    private static string SharedQuery(FederatedQuery query, EntitySetSchema set, IReadOnlyList<OrderClause> orders, IReadOnlyList<string> added) =>
        string.Join("&", SharedOptions(query, set, orders, added).Select(o => $"{o.Key}={Uri.EscapeDataString(o.Value)}"));

    /// <summary>The options every node is asked with: $filter, $expand, $select (plus what the merge reads), $orderby with the key.</summary>
    private static Dictionary<string, string> SharedOptions(FederatedQuery query, EntitySetSchema set, IReadOnlyList<OrderClause> orders, IReadOnlyList<string> added)
    {
        var parts = new Dictionary<string, string>(StringComparer.Ordinal);
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                parts[name] = value;
            }
        }
        Add("$filter", query.Filter);
        Add("$expand", query.Expand);
        Add("$select", query.Select is null ? null : string.Join(",", new[] { query.Select }.Concat(added)));
        var orderBy = orders.Select(o => o.Descending ? $"{o.Property} desc" : o.Property).ToList();
        if (!orders.Any(o => o.Property == set.Key))
        {
            orderBy.Add(set.Key);
        }
        Add("$orderby", string.Join(",", orderBy));
        return parts;
    }

    private sealed class NodeState(string code, NodeSource? source, long position)
    {
        public string Code => code;
        /// <summary>The node asked on its own (live mode); null in replica mode, where all are parts of one query of this node.</summary>
        public NodeSource? Source => source;
        public long Position { get; set; } = position;
        public Queue<(JsonObject Row, object?[] Key)> Buffer { get; } = new();
        public bool HasMore { get; set; } = true;
        public bool Active { get; private set; } = true;
        public string Status { get; private set; } = SourceStatus.Ok;
        public string? Error { get; private set; }
        public long Ms { get; set; }
        public long? Count { get; set; }
        public long? ReplicaAgeSeconds { get; set; }

        public void Fail(string status, string? error)
        {
            Active = false;
            Status = status;
            Error = error;
            Buffer.Clear();
        }
    }
}
