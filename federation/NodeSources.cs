using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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

/// <summary>
/// This node, asked through the host's <see cref="ILocalCatalog"/> (in a scope of its own) within
/// <see cref="FederationOptions.LocalTimeout"/>: its own rows (live mode), or its own and its peers' replicas, each a
/// part of one query (replica mode). A query the host refuses is the federated query's fault (400).
/// </summary>
public sealed class LocalNodeSource(string code, IServiceScopeFactory scopes, FederationOptions options, ILogger<LocalNodeSource> logger) : NodeSource(code)
{
    public override async Task<NodeAnswer> FetchAsync(string set, string query, CancellationToken cancellation)
    {
        var shared = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            var name = Uri.UnescapeDataString(pair[..eq]);
            if (name is not ("$skip" or "$top" or "$count"))
            {
                shared[name] = Uri.UnescapeDataString(pair[(eq + 1)..]);
            }
        }
        var part = new UnionPart(Code, QueryText.Skip(query), QueryText.Top(query));
        return (await FetchPartsAsync(set, shared, new UnionRequest([part], null), cancellation))[0];
    }

    /// <summary>Each part's answer, in the order of the request's parts; a failure of the whole query is every part's.</summary>
    public async Task<NodeAnswer[]> FetchPartsAsync(string set, IReadOnlyDictionary<string, string> shared, UnionRequest request,
        CancellationToken cancellation)
    {
        var watch = Stopwatch.StartNew();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(options.LocalTimeout);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var parts = await scope.ServiceProvider.GetRequiredService<ILocalCatalog>().QueryAsync(set, shared, request, deadline.Token);
            var ms = watch.ElapsedMilliseconds;
            return parts.Select((part, i) => part.Count is not { } count
                ? new NodeAnswer { Status = SourceStatus.NoReplica, Ms = ms, Error = "This peer's set has not been harvested yet." }
                : new NodeAnswer
                {
                    Status = SourceStatus.Ok, Ms = ms, Rows = [.. part.Rows], Count = count,
                    HasMore = request.Parts[i].Skip + part.Rows.Count < count, ReplicaAgeSeconds = part.ReplicaAgeSeconds,
                }).ToArray();
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return Failed(SourceStatus.Timeout, "This node's query took too long.");
        }
        catch (Exception e) when (e is not FederationQueryException && !cancellation.IsCancellationRequested)
        {
            logger.LogError(e, "The local part of a federated query of {Set} failed", set);
            return Failed(SourceStatus.Error, "This node's query failed.");
        }

        NodeAnswer[] Failed(string status, string error) =>
            request.Parts.Select(_ => new NodeAnswer { Status = status, Ms = watch.ElapsedMilliseconds, Error = error }).ToArray();
    }
}

/// <summary>
/// A peer: a <c>federation</c> token from its token endpoint (cached), then its <c>/odata</c>. Everything within the
/// peer's timeout; any failure becomes a status, never an exception.
/// </summary>
public sealed class PeerNodeSource(PeerOptions peer, Func<HttpClient> clients, PeerTokenCache tokens, PeerHealth health, FederationOptions options,
    Polly.ResiliencePipeline pipeline) : NodeSource(peer.Code)
{
    public override async Task<NodeAnswer> FetchAsync(string set, string query, CancellationToken cancellation)
    {
        var watch = Stopwatch.StartNew();
        NodeAnswer answer;
        try
        {
            // The whole exchange, body included, inside the circuit breaker and the peer's timeout (the pipeline's).
            answer = await pipeline.ExecuteAsync(ct => new ValueTask<NodeAnswer>(AskAsync(set, query, watch, ct)), cancellation);
        }
        catch (Exception e) when (!cancellation.IsCancellationRequested)
        {
            var status = e switch
            {
                BrokenCircuitException => SourceStatus.CircuitOpen,
                TimeoutRejectedException or OperationCanceledException => SourceStatus.Timeout,
                PeerUnauthorizedException => SourceStatus.Unauthorized,
                _ => SourceStatus.Error,
            };
            var message = e switch
            {
                BrokenCircuitException => "The circuit to this peer is open after recent failures.",
                TimeoutRejectedException or OperationCanceledException => $"No answer within {peer.Timeout.TotalMilliseconds:0} ms.",
                HttpRequestException { StatusCode: { } code } => $"HTTP {(int)code}.",
                HttpRequestException => "The peer could not be reached.",
                _ => e.Message,
            };
            answer = new NodeAnswer { Status = status, Ms = watch.ElapsedMilliseconds, Error = message };
        }
        health.Record(answer.Status, answer.Ms, answer.Error);
        return answer;
    }

    private async Task<NodeAnswer> AskAsync(string set, string query, Stopwatch watch, CancellationToken cancellation)
    {
        var http = clients();
        var token = await tokens.GetAsync(peer, http, cancellation);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(peer.BaseUrl, $"odata/{set}?{query}"));
        request.Headers.Authorization = new("Bearer", token);
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            tokens.Invalidate(peer.Code);
            throw new PeerUnauthorizedException($"The peer refused our token ({(int)response.StatusCode}).");
        }
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"HTTP {(int)response.StatusCode}.", null, response.StatusCode);
        }
        var body = await BoundedJson.ReadAsync(response.Content, options.MaxResponseBytes, cancellation);
        return Parse(body, QueryText.Top(query), QueryText.Skip(query), watch.ElapsedMilliseconds);
    }
}

internal static class QueryText
{
    public static long Skip(string query) => Value(query, "$skip") ?? 0;
    public static int Top(string query) => (int)(Value(query, "$top") ?? int.MaxValue);

    private static long? Value(string query, string name)
    {
        foreach (var part in query.Split('&'))
        {
            var eq = part.IndexOf('=');
            if (eq > 0 && Uri.UnescapeDataString(part[..eq]) == name && long.TryParse(part[(eq + 1)..], out var v))
            {
                return v;
            }
        }
        return null;
    }
}
