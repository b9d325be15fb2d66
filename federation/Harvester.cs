using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DxyqOpenData.Federation;

/// <summary>
/// Mirrors each peer's public sets into local replica tables through the peer's change feed
/// (<c>GET {peer}/federation/changes/{set}?since=…&amp;max=…</c>), with the cached <c>federation</c> token and the
/// peer's HttpClient (circuit breaker, timeout). A peer that fails leaves its replica as it was.
/// </summary>
public sealed class Harvester(
    FederationOptions options, HarvestOptions harvest, FederatedSchema schema, IHttpClientFactory clients, PeerTokenCache tokens,
    IServiceScopeFactory scopes, IHarvestLeases leases, TimeProvider time, ILogger<Harvester> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, HarvestView> _views = new(StringComparer.Ordinal);

    public HarvestView? View(string node) => _views.GetValueOrDefault(node);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!harvest.Enabled || options.Peers.Count == 0)
        {
            return;
        }
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await HarvestTurnAsync(stoppingToken);
                await Task.Delay(harvest.Interval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Harvest failed");
                await Task.Delay(harvest.Interval, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>
    /// The background turn: every peer whose turn this node gets (90% of the interval, so the next tick of any node
    /// finds it free) is harvested, in parallel; the others are another node's this time.
    /// </summary>
    private async Task HarvestTurnAsync(CancellationToken cancellation) =>
        await Task.WhenAll(options.Peers.Select(async peer =>
        {
            if (await leases.TryTakeTurnAsync(peer.Code, harvest.Interval * 0.9, cancellation))
            {
                await HarvestAsync(peer, cancellation);
            }
            else
            {
                logger.LogDebug("Harvest of {Peer}: another node has this turn", peer.Code);
            }
        }));

    /// <summary>Harvests every peer (in parallel) until each is caught up or fails; returns each peer's outcome.</summary>
    public async Task<IReadOnlyList<(string Node, HarvestView View)>> HarvestAllAsync(CancellationToken cancellation)
    {
        var results = await Task.WhenAll(options.Peers.Select(async p => (p.Code, await HarvestAsync(p, cancellation))));
        return results;
    }

    /// <summary>One peer, all its sets; one at a time per peer (a second call waits, then harvests again).</summary>
    public async Task<HarvestView> HarvestAsync(PeerOptions peer, CancellationToken cancellation)
    {
        var gate = _gates.GetOrAdd(peer.Code, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellation);
        try
        {
            var watch = Stopwatch.StartNew();
            var started = time.GetUtcNow();
            var previous = _views.GetValueOrDefault(peer.Code);
            // Of several nodes on one database, the one holding the peer's lease harvests it; the others skip this turn.
            await using var hold = await leases.TryHoldAsync(peer.Code, cancellation);
            if (hold is null)
            {
                logger.LogDebug("Harvest of {Peer} skipped: another node is harvesting it", peer.Code);
                return new HarvestView(started, previous?.LastSuccessAt, "skipped: another node of this database is harvesting this peer now", 0, 0);
            }
            long changes = 0;
            string? error = null;
            try
            {
                foreach (var set in schema.Sets.Keys.Order(StringComparer.Ordinal))
                {
                    changes += await HarvestSetAsync(peer, set, cancellation);
                }
            }
            catch (Exception e) when (!cancellation.IsCancellationRequested && e is not OutOfMemoryException)
            {
                error = Describe(e, peer);
                logger.LogWarning("Harvest of {Peer} failed: {Error}", peer.Code, error);
            }
            var view = new HarvestView(started, error is null ? time.GetUtcNow() : previous?.LastSuccessAt, error, watch.ElapsedMilliseconds, changes);
            _views[peer.Code] = view;
            return view;
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<long> HarvestSetAsync(PeerOptions peer, string set, CancellationToken cancellation)
    {
        long applied = 0;
        string? since;
        using (var scope = scopes.CreateScope())
        {
            since = (await scope.ServiceProvider.GetRequiredService<IReplicaStore>().GetAsync(peer.Code, set, cancellation))?.Cursor;
        }
        var restarted = false;
        for (var page = 0; page < harvest.MaxPages; page++)
        {
            IReadOnlyList<FeedChange> changes;
            string cursor;
            bool more;
            try
            {
                (changes, cursor, more) = await FetchAsync(peer, set, since, cancellation);
            }
            catch (HttpRequestException e) when (e.StatusCode == HttpStatusCode.BadRequest && since is not null && !restarted)
            {
                // The peer no longer knows our cursor (it changed its link key): read its feed again from the start.
                // The feed keeps tombstones, so the replica still loses what the peer deleted meanwhile.
                logger.LogWarning("{Peer} refused our cursor of {Set}; harvesting it again from the start", peer.Code, set);
                since = null;
                restarted = true;
                page--;
                continue;
            }
            using (var scope = scopes.CreateScope())
            {
                await scope.ServiceProvider.GetRequiredService<IReplicaStore>()
                    .ApplyAsync(peer.Code, set, changes, cursor, more ? null : time.GetUtcNow(), cancellation);
            }
            since = cursor;
            applied += changes.Count;
            logger.LogDebug("Harvest of {Peer} {Set}: page {Page} with {Changes} changes applied (more: {More})", peer.Code, set, page, changes.Count, more);
            if (!more)
            {
                break;
            }
        }
        return applied;
    }

    /// <summary>One page of the peer's feed, size-limited and shape-checked before anything of it is used.</summary>
    private async Task<(IReadOnlyList<FeedChange> Changes, string Cursor, bool More)> FetchAsync(PeerOptions peer, string set, string? since, CancellationToken cancellation)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(harvest.Timeout);
        var http = clients.CreateClient(FederationSetup.HarvestClient(peer.Code));
        var token = await tokens.GetAsync(peer, http, deadline.Token);
        var query = $"federation/changes/{set}?max={harvest.PageSize}" + (since is null ? "" : $"&since={Uri.EscapeDataString(since)}");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(peer.BaseUrl, query));
        request.Headers.Authorization = new("Bearer", token);
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            tokens.Invalidate(peer.Code);
            throw new PeerUnauthorizedException($"The peer refused our token ({(int)response.StatusCode}).");
        }
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"HTTP {(int)response.StatusCode}.", null, response.StatusCode);
        }
        var body = await BoundedJson.ReadAsync(response.Content, harvest.MaxResponseBytes, deadline.Token);
        return ParsePage(body, harvest.PageSize);
    }

    /// <summary>
    /// A feed page: <c>{"changes":[{"id":GUID,"op":"upsert","row":{…}} | {"id":GUID,"op":"delete"}, …],
    /// "cursor":"…","more":bool}</c>, at most <paramref name="max"/> changes, each id once.
    /// </summary>
    public static (IReadOnlyList<FeedChange> Changes, string Cursor, bool More) ParsePage(JsonElement body, int max)
    {
        if (body.ValueKind != JsonValueKind.Object
            || !body.TryGetProperty("changes", out var items) || items.ValueKind != JsonValueKind.Array
            || !body.TryGetProperty("cursor", out var cursorElement) || cursorElement.ValueKind != JsonValueKind.String
            || !body.TryGetProperty("more", out var moreElement) || moreElement.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            throw new InvalidDataException("The answer is not a change feed page (an object with 'changes', 'cursor' and 'more').");
        }
        var cursor = cursorElement.GetString()!;
        if (cursor.Length is 0 or > ChangeFeedLimits.MaxCursorLength)
        {
            throw new InvalidDataException("The page's cursor is empty or too long.");
        }
        if (items.GetArrayLength() > max)
        {
            throw new InvalidDataException($"The page has {items.GetArrayLength()} changes where at most {max} were asked for.");
        }
        var changes = new List<FeedChange>(items.GetArrayLength());
        var seen = new HashSet<Guid>();
        foreach (var item in items.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object
                || !item.TryGetProperty("id", out var idElement) || idElement.ValueKind != JsonValueKind.String || !Guid.TryParse(idElement.GetString(), out var id)
                || !item.TryGetProperty("op", out var op) || op.ValueKind != JsonValueKind.String)
            {
                throw new InvalidDataException("A change has no valid 'id' (a GUID) or 'op'.");
            }
            if (!seen.Add(id))
            {
                throw new InvalidDataException($"The page names {id} twice.");
            }
            switch (op.GetString())
            {
                case "delete":
                    changes.Add(new FeedChange(id, null));
                    break;
                case "upsert" when item.TryGetProperty("row", out var row) && row.ValueKind == JsonValueKind.Object:
                    changes.Add(new FeedChange(id, row));
                    break;
                default:
                    throw new InvalidDataException($"Change {id}: 'op' is upsert (with a 'row' object) or delete.");
            }
        }
        var more = moreElement.GetBoolean();
        if (more && changes.Count == 0)
        {
            throw new InvalidDataException("The page says there is more but has no changes.");
        }
        return (changes, cursor, more);
    }

    private static string Describe(Exception e, PeerOptions peer) => e switch
    {
        Polly.CircuitBreaker.BrokenCircuitException => "The circuit to this peer is open after recent failures.",
        Polly.Timeout.TimeoutRejectedException or OperationCanceledException => "No answer within the harvest timeout.",
        HttpRequestException { StatusCode: { } code } => $"HTTP {(int)code}.",
        HttpRequestException => "The peer could not be reached.",
        _ => e.Message,
    };
}
