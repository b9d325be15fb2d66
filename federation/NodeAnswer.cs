using System.Text.Json.Nodes;
using System.Text.Json;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace DxyqOpenData.Federation;

/// <summary>One node's answer to one query, checked before it is trusted.</summary>
public sealed record NodeAnswer
{
    public required string Status { get; init; }
    public long Ms { get; init; }
    public List<JsonObject> Rows { get; init; } = [];
    public long? Count { get; init; }
    /// <summary>The node has rows after these (it gave a nextLink, or its count says so).</summary>
    public bool HasMore { get; init; }
    public string? Error { get; init; }
    /// <summary>This node (the local one) refused the query itself: the query is wrong, the answer is 400.</summary>
    public string? BadQuery { get; init; }
    /// <summary>Replica mode: seconds since the peer's set was last harvested up to the end of its feed.</summary>
    public long? ReplicaAgeSeconds { get; init; }
}
