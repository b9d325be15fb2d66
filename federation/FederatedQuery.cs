using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Serialization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text;

namespace DxyqOpenData.Federation;

/// <summary>
/// The state of a federated query: the options passed to every node, the options applied to the merged stream,
/// and the position (rows consumed) in each node. A nextLink carries exactly this, signed.
/// </summary>
public sealed partial record FederatedQuery
{
    public const int MaxTop = 1000;
    public const int MaxSkip = 1000;
    public const int PageSize = 100;

    [JsonPropertyName("s")] public required string Set { get; init; }
    [JsonPropertyName("f")] public string? Filter { get; init; }
    [JsonPropertyName("x")] public string? Expand { get; init; }
    [JsonPropertyName("l")] public string? Select { get; init; }
    [JsonPropertyName("o")] public string? OrderBy { get; init; }
    [JsonPropertyName("c")] public bool Count { get; init; }
    /// <summary>Rows of the merged stream still to skip.</summary>
    [JsonPropertyName("k")] public long Skip { get; init; }
    /// <summary>Rows still to return (null: all).</summary>
    [JsonPropertyName("t")] public long? Top { get; init; }
    /// <summary>Per node, how many of its rows (in its order) were consumed; null on a first page (every node from 0).</summary>
    [JsonPropertyName("p")] public Dictionary<string, long>? Positions { get; init; }
    /// <summary><c>replica</c>: peers answered from this node's replicas; null: live.</summary>
    [JsonPropertyName("m")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Mode { get; init; }

    public const string LiveMode = "live";
    public const string ReplicaMode = "replica";

    private static readonly HashSet<string> Passed = ["$filter", "$expand", "$select", "$orderby", "$count", "$skip", "$top", "$skiptoken"];

    /// <summary>Reads the client's query options; a <c>$skiptoken</c> (from a nextLink) replaces all of them.</summary>
    public static FederatedQuery Parse(string set, IEnumerable<KeyValuePair<string, string?>> options, EntitySetSchema schema, byte[] linkKey, string? mode = null)
    {
        var replica = mode switch
        {
            null or LiveMode => false,
            ReplicaMode => true,
            _ => throw new FederationQueryException($"mode is '{LiveMode}' (the default: ask the peers now) or '{ReplicaMode}' (answer from this node's replicas of them).", "mode"),
        };
        var given = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in options)
        {
            if (!name.StartsWith('$'))
            {
                continue;
            }
            if (!Passed.Contains(name))
            {
                throw new FederationQueryException($"{name} is not supported by federated queries (supported: {string.Join(", ", Passed)}).", name);
            }
            if (!given.TryAdd(name, value ?? ""))
            {
                throw new FederationQueryException($"{name} is given twice.", name);
            }
        }
        if (given.TryGetValue("$skiptoken", out var token))
        {
            if (given.Count > 1)
            {
                throw new FederationQueryException("A nextLink is followed unchanged: $skiptoken takes no other query option.", "$skiptoken");
            }
            var query = NextLinks.Open(token, linkKey);
            if (query.Set != set)
            {
                throw new FederationQueryException("The nextLink belongs to another entity set.", "$skiptoken");
            }
            query.Orders(schema);
            if (mode is not null && (query.Mode == ReplicaMode) != replica)
            {
                throw new FederationQueryException("The nextLink belongs to a query of another mode.", "mode");
            }
            return query;
        }
        var parsed = new FederatedQuery
        {
            Set = set,
            Filter = NonEmpty(given, "$filter"),
            Expand = NonEmpty(given, "$expand"),
            Select = NonEmpty(given, "$select"),
            OrderBy = NonEmpty(given, "$orderby"),
            Count = given.TryGetValue("$count", out var count) && Bool(count),
            Skip = Number(given, "$skip", MaxSkip) ?? 0,
            Top = Number(given, "$top", MaxTop),
            Mode = replica ? ReplicaMode : null,
        };
        if (replica && parsed.Expand is not null)
        {
            throw new FederationQueryException("$expand is not available in replica mode (replicas hold each set on its own); use mode=live.", "$expand");
        }
        parsed.Orders(schema);
        foreach (var (option, text) in new[] { ("$filter", parsed.Filter), ("$expand", parsed.Expand), ("$select", parsed.Select) })
        {
            if (text is not null && Identifier().Matches(text).FirstOrDefault(m => schema.Withheld.Contains(m.Value)) is { } match)
            {
                throw new FederationQueryException($"'{match.Value}' cannot be used in a federated query.", option);
            }
        }
        return parsed;
    }

    private static string? NonEmpty(Dictionary<string, string> given, string name) =>
        given.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v : null;

    private static bool Bool(string value) => value switch
    {
        "true" => true,
        "false" => false,
        _ => throw new FederationQueryException("$count is true or false.", "$count"),
    };

    private static long? Number(Dictionary<string, string> given, string name, int max)
    {
        if (!given.TryGetValue(name, out var text))
        {
            return null;
        }
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            throw new FederationQueryException($"{name} is a non-negative integer.", name);
        }
        if (value > max)
        {
            throw new FederationQueryException($"The limit of '{max}' for {name} in a federated query has been exceeded (follow @odata.nextLink instead).", name);
        }
        return value;
    }

    /// <summary>The <c>$orderby</c> clauses: properties of the set (typed by the model), asc or desc.</summary>
    public IReadOnlyList<OrderClause> Orders(EntitySetSchema schema)
    {
        var clauses = new List<OrderClause>();
        if (OrderBy is null)
        {
            return clauses;
        }
        foreach (var part in OrderBy.Split(','))
        {
            var match = OrderClauseText().Match(part);
            if (!match.Success || !schema.Properties.ContainsKey(match.Groups[1].Value))
            {
                throw new FederationQueryException(
                    $"Federated $orderby takes properties of {schema.Name} with asc or desc ('{part.Trim()}' is not one).", "$orderby");
            }
            if (schema.Withheld.Contains(match.Groups[1].Value))
            {
                throw new FederationQueryException($"'{match.Groups[1].Value}' cannot be used in a federated query.", "$orderby");
            }
            clauses.Add(new OrderClause(match.Groups[1].Value, match.Groups[2].Value.Equals("desc", StringComparison.OrdinalIgnoreCase)));
        }
        if (clauses.Count > 5)
        {
            throw new FederationQueryException("At most 5 $orderby clauses.", "$orderby");
        }
        return clauses;
    }

    /// <summary>The $select items the client asked for (null: all), and the ones added so the merge can read its keys.</summary>
    public (IReadOnlyList<string>? Asked, IReadOnlyList<string> Added) SelectItems(EntitySetSchema schema)
    {
        if (Select is null)
        {
            return (null, []);
        }
        var asked = SplitTopLevel(Select).Select(s => s.Trim()).Where(s => s.Length > 0).ToList();
        if (asked.Contains("*"))
        {
            return (null, []);
        }
        var needed = Orders(schema).Select(o => o.Property).Append(schema.Key).Distinct();
        return (asked, needed.Where(n => !asked.Contains(n)).ToList());
    }

    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(': depth++; break;
                case ')': depth--; break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }
        yield return text[start..];
    }

    [GeneratedRegex(@"[A-Za-z_][A-Za-z0-9_]*")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s+(asc|desc))?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex OrderClauseText();
}
