using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json;
using System.Text;

namespace DxyqOpenData.Federation;

/// <summary>
/// Orders rows of different nodes: the $orderby values compared by their EDM kind (numbers as numbers, instants as
/// instants, strings ordinally; null first), then the node code, then the key.
/// </summary>
public sealed class RowComparer(IReadOnlyList<OrderClause> orders, EntitySetSchema set)
{
    private readonly (string Property, ValueKind Kind, bool Descending)[] _columns = Columns(orders, set);

    /// <summary>The $orderby clauses up to the key (the key makes the order total), the key last (ascending unless given).</summary>
    private static (string, ValueKind, bool)[] Columns(IReadOnlyList<OrderClause> orders, EntitySetSchema set)
    {
        var columns = new List<(string, ValueKind, bool)>();
        foreach (var order in orders)
        {
            columns.Add((order.Property, set.Properties[order.Property], order.Descending));
            if (order.Property == set.Key)
            {
                return [.. columns];
            }
        }
        columns.Add((set.Key, set.Properties[set.Key], false));
        return [.. columns];
    }

    /// <summary>The sort key of a row; a value that is not of its property's kind is a bad answer.</summary>
    public object?[] KeyOf(JsonObject row)
    {
        var key = new object?[_columns.Length];
        for (var i = 0; i < _columns.Length; i++)
        {
            var (property, kind, _) = _columns[i];
            if (!row.TryGetPropertyValue(property, out var node))
            {
                throw new InvalidDataException($"An item has no '{property}'.");
            }
            key[i] = node is null ? null : Convert(node, kind, property);
        }
        return key;
    }

    private static object Convert(JsonNode node, ValueKind kind, string property)
    {
        var element = node.GetValue<JsonElement>();
        object? value = kind switch
        {
            ValueKind.Number when element.ValueKind == JsonValueKind.Number && element.TryGetDecimal(out var d) => d,
            ValueKind.Boolean when element.ValueKind is JsonValueKind.True or JsonValueKind.False => element.GetBoolean(),
            ValueKind.DateTimeOffset when element.ValueKind == JsonValueKind.String
                && DateTimeOffset.TryParse(element.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var dto) => dto,
            ValueKind.Date when element.ValueKind == JsonValueKind.String
                && DateOnly.TryParseExact(element.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) => date,
            ValueKind.Guid when element.ValueKind == JsonValueKind.String => element.GetString()!.ToLowerInvariant(),
            ValueKind.String when element.ValueKind == JsonValueKind.String => element.GetString(),
            _ => null,
        };
        return value ?? throw new InvalidDataException($"'{property}' has a value that is not a {kind}.");
    }

    /// <summary>$orderby values, then the node code (ties stay in node order), then the key.</summary>
    public int Compare(object?[] a, string nodeA, object?[] b, string nodeB)
    {
        var last = _columns.Length - 1;
        for (var i = 0; i < last; i++)
        {
            var c = CompareValues(a[i], b[i]);
            if (c != 0)
            {
                return _columns[i].Descending ? -c : c;
            }
        }
        var byNode = string.CompareOrdinal(nodeA, nodeB);
        if (byNode != 0)
        {
            return byNode;
        }
        var byKey = CompareValues(a[last], b[last]);
        return _columns[last].Descending ? -byKey : byKey;
    }

    private static int CompareValues(object? a, object? b) => (a, b) switch
    {
        (null, null) => 0,
        (null, _) => -1,
        (_, null) => 1,
        (string x, string y) => string.CompareOrdinal(x, y),
        (IComparable x, _) => x.CompareTo(b),
        _ => 0,
    };
}
