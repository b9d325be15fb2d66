using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
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

/// <summary>A node the federation asks: this node in process, or a peer over HTTP.</summary>
public abstract class NodeSource(string code)
{
    public string Code => code;

    public abstract Task<NodeAnswer> FetchAsync(string set, string query, CancellationToken cancellation);

    /// <summary>
    /// Asks this node's own <c>/odata</c> pipeline in process (the local part, or a peer's replica) within
    /// <paramref name="timeout"/>: a 400 keeps the library's message as the query's fault, any other failure is a status.
    /// </summary>
    internal static async Task<NodeAnswer> AskInProcessAsync(HttpClient http, HttpRequestMessage request, string query, TimeSpan timeout,
        string what, CancellationToken cancellation)
    {
        var answer = await AskInProcessRawAsync(http, request, timeout, what, cancellation);
        return answer.Body is { } body ? Parse(body, int.MaxValue, QueryText.Skip(query), answer.Ms) : answer.Failure!;
    }

    /// <summary>The body of a 200 from the in-process pipeline, or the failure (a 400 as the query's fault) as an answer.</summary>
    internal static async Task<(JsonElement? Body, NodeAnswer? Failure, long Ms)> AskInProcessRawAsync(HttpClient http, HttpRequestMessage request,
        TimeSpan timeout, string what, CancellationToken cancellation)
    {
        using var _ = request;
        var watch = Stopwatch.StartNew();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(timeout);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            if (response.StatusCode == HttpStatusCode.BadRequest)
            {
                // The query's fault: the federated query answers 400 with this node's reason.
                var message = "The query is not valid.";
                try
                {
                    var problem = await BoundedJson.ReadAsync(response.Content, int.MaxValue, deadline.Token);
                    if (problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
                        && error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                    {
                        message = m.GetString()!;
                    }
                }
                catch (InvalidDataException)
                {
                    // No OData error body: the generic reason.
                }
                return (null, new NodeAnswer { Status = SourceStatus.Error, Ms = watch.ElapsedMilliseconds, BadQuery = message, Error = message }, watch.ElapsedMilliseconds);
            }
            if (!response.IsSuccessStatusCode)
            {
                return (null, new NodeAnswer { Status = SourceStatus.Error, Ms = watch.ElapsedMilliseconds, Error = $"The {what} answered {(int)response.StatusCode}." }, watch.ElapsedMilliseconds);
            }
            var body = await BoundedJson.ReadAsync(response.Content, int.MaxValue, deadline.Token);
            return (body, null, watch.ElapsedMilliseconds);
        }
        catch (InvalidDataException e)
        {
            // A 200 whose body is not JSON (cut off by a failure after the response started): this part failed.
            return (null, new NodeAnswer { Status = SourceStatus.Error, Ms = watch.ElapsedMilliseconds, Error = $"The {what}'s answer is unreadable: {e.Message}" }, watch.ElapsedMilliseconds);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return (null, new NodeAnswer { Status = SourceStatus.Timeout, Ms = watch.ElapsedMilliseconds, Error = $"The {what} took too long." }, watch.ElapsedMilliseconds);
        }
    }

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

/// <summary>This node, asked in process through its own <c>/odata</c> pipeline (the host gives the handler).</summary>
public sealed class LocalNodeSource(string code, Func<HttpClient> http, FederationOptions options) : NodeSource(code)
{
    public override Task<NodeAnswer> FetchAsync(string set, string query, CancellationToken cancellation) =>
        AskInProcessAsync(http(), new HttpRequestMessage(HttpMethod.Get, $"odata/{set}?{query}"), query, options.LocalTimeout, "local query", cancellation);
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
