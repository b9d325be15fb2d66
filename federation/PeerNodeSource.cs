using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.Json;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace DxyqOpenData.Federation;

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
