using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace DxyqOpenData.Federation;

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
