using System.Text.Json.Nodes;
using System.Text.Json;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace DxyqOpenData.Federation;

/// <summary>A node the federation asks: this node through the host, or a peer over HTTP.</summary>
public abstract class NodeSource(string code)
{
    public string Code => code;

    public abstract Task<NodeAnswer> FetchAsync(string set, string query, CancellationToken cancellation);

    /// <summary>Shape check: a JSON object with a <c>value</c> array of objects, and a numeric <c>@odata.count</c> if any.</summary>
    internal static NodeAnswer Parse(JsonElement body, int requested, long skip, long ms)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException("The answer is not an OData collection (a JSON object with a 'value' array).");
        }
        long? count = null;
        if (body.TryGetProperty("@odata.count", out var c))
        {
            if (c.ValueKind != JsonValueKind.Number || !c.TryGetInt64(out var n) || n < 0)
            {
                throw new InvalidDataException("'@odata.count' is not a non-negative integer.");
            }
            count = n;
        }
        var rows = new List<JsonObject>(value.GetArrayLength());
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException("An item of 'value' is not a JSON object.");
            }
            rows.Add(JsonObject.Create(item)!);
        }
        if (rows.Count > requested)
        {
            throw new InvalidDataException($"The answer has {rows.Count} items where at most {requested} were asked for.");
        }
        var hasMore = body.TryGetProperty("@odata.nextLink", out _) || (count is { } total && skip + rows.Count < total);
        return new NodeAnswer { Status = SourceStatus.Ok, Ms = ms, Rows = rows, Count = count, HasMore = hasMore };
    }
}
