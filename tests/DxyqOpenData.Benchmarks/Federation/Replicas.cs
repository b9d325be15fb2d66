using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using static DxyqOpenData.Benchmarks.Federation.FederationBenchmark;

namespace DxyqOpenData.Benchmarks.Federation;

/// <summary>
/// (c) Replica mode (<c>mode=replica</c>, harvested copies of the peers' catalogs), measured only when the build has
/// it. How a harvest is triggered and how <c>/federation/peers</c> shows replicas are still being built on another
/// branch: what this file assumes about them is in the constants and <see cref="PeerHasReplica"/>, to adjust there.
/// </summary>
internal static class Replicas
{
    /// <summary>Settings for ZJ's harvester (a build without one ignores them).</summary>
    public static readonly IReadOnlyDictionary<string, string?> Settings = new Dictionary<string, string?>
    {
        // The harvest the scenario needs is asked for (HarvestRoute) or runs at start; no periodic one under the figures.
        ["Federation:Harvest:Interval"] = "01:00:00",
    };

    /// <summary>The admin route that starts a harvest now (POST, <see cref="HarvestScope"/> token); 404/405 is fine.</summary>
    private const string HarvestRoute = "federation/harvest";
    private const string HarvestScope = "admin";
    /// <summary>While the replicas are not complete, a harvest is asked for again this often (one may have failed).</summary>
    private static readonly TimeSpan HarvestAgain = TimeSpan.FromSeconds(15);

    /// <summary>Whether replica mode exists, and whether the replicas were complete before the live figures began.</summary>
    internal sealed record State(bool Ready, TimeSpan Waited, string? Why);

    /// <summary>
    /// Before any live figure (so a first harvest does not run under them): is there a replica mode, and if so,
    /// harvest and wait until every peer's replica is complete or <c>--replica-wait</c> runs out.
    /// </summary>
    public static async Task<State?> PrepareAsync(HttpClient http, RegionNode zj, long total, Options options)
    {
        if (!await AvailableAsync(http, zj))
        {
            return null;
        }
        var clock = Stopwatch.StartNew();
        var admin = await RegionNode.TokenAsync(http, new Uri(zj.Origin, "connect/token"), await zj.AddClientAsync(HarvestScope, "基准管理员"), HarvestScope);
        string? why = null;
        TimeSpan? asked = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(options.ReplicaWaitSeconds))
        {
            if (asked is null || clock.Elapsed - asked > HarvestAgain)
            {
                asked = clock.Elapsed;
                await AskForHarvestAsync(zj, admin, TimeSpan.FromSeconds(options.ReplicaWaitSeconds) - clock.Elapsed);
            }
            why = await NotReadyAsync(http, zj, total);
            if (why is null)
            {
                Console.WriteLine($"# replica: every peer's replica complete after {clock.Elapsed.TotalSeconds:F1} s");
                return new State(true, clock.Elapsed, null);
            }
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        return new State(false, clock.Elapsed, why);
    }

    /// <summary>Asks for a harvest and waits for it (a harvest of every peer may take a while), at most <paramref name="wait"/>.</summary>
    private static async Task AskForHarvestAsync(RegionNode zj, string admin, TimeSpan wait)
    {
        var clock = Stopwatch.StartNew();
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(zj.Origin, HarvestRoute));
        request.Headers.Authorization = new("Bearer", admin);
        using var timeout = new CancellationTokenSource(wait);
        try
        {
            using var response = await http.SendAsync(request, timeout.Token);
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            Console.WriteLine($"# replica: POST /{HarvestRoute} answered {(int)response.StatusCode} after {clock.Elapsed.TotalSeconds:F1} s: {body[..Math.Min(body.Length, 400)]}");
        }
        catch (OperationCanceledException)
        {
            Console.WriteLine($"# replica: POST /{HarvestRoute} gave no answer within {wait.TotalSeconds:F0} s");
        }
    }

    /// <summary>
    /// (c) The replica answer against the live federated answer it replaces (the same query, the peers behind their
    /// proxies), interleaved: the same query repeated (with the memo of the peers' parts, and without it), and a new
    /// query each time. Before the figures, the replica page must be the live page.
    /// </summary>
    public static async Task MeasureAsync(HttpClient http, RegionNode zj, State? state, Options options)
    {
        if (state is null)
        {
            Console.WriteLine("replica mode: not available in this build");
            return;
        }
        if (!state.Ready)
        {
            Console.WriteLine($"replica mode: replicas not complete after {state.Waited.TotalSeconds:F0} s ({state.Why}): not measured");
            return;
        }
        void Check(JsonElement page)
        {
            Sources(page, expectedDown: null);
            Page(page);
        }
        var replica = new Target("replica", new Uri(zj.Origin, $"federation/odata/Instruments?mode=replica&{Query}"), Check: Check);
        var live = new Target("live", new Uri(zj.Origin, $"federation/odata/Instruments?{Query}"), Check: Check);
        await SamePageAsync(http, replica.Url!, live.Url!);

        var configuration = zj.Services.GetRequiredService<IConfiguration>();
        foreach (var memo in new[] { true, false })
        {
            // Read by every replica query: after the first, each peer's part comes from the memo (kept until a harvest
            // changes the replica); without it every part is read from the tables each time.
            configuration["Federation:ReplicaMemo"] = memo ? "true" : "false";
            var samples = await InterleavedAsync(http, [replica, live], options.Warmup, options.Requests);
            Report("one query repeated, " + (memo ? "memo on" : "memo off"), samples["replica"], samples["live"]);
        }
        configuration["Federation:ReplicaMemo"] = "true";

        // A different query each time (the price bound one yuan higher), the same sequence for both: every part is read
        // from the tables, as for a query nobody asked since the last harvest.
        var (replicaQueries, liveQueries) = (DistinctQueries(), DistinctQueries());
        var distinct = new Target("replica, distinct", null, Check: Check,
            NextUrl: () => new Uri(zj.Origin, $"federation/odata/Instruments?mode=replica&{replicaQueries()}"));
        var liveDistinct = new Target("live, distinct", null, Check: Check,
            NextUrl: () => new Uri(zj.Origin, $"federation/odata/Instruments?{liveQueries()}"));
        var distinctSamples = await InterleavedAsync(http, [distinct, liveDistinct], options.Warmup, options.Requests);
        Report("a new query each time", distinctSamples["replica, distinct"], distinctSamples["live, distinct"]);

        static void Report(string what, Samples ours, Samples baseline)
        {
            var (p50, live50) = (ours.Percentile(50), baseline.Percentile(50));
            Benchmarks.Report.Line($"replica mode, {what}: p50 (ms) vs live federated", F(p50), F(live50), Ratio(p50, live50), "<= 0.30", p50 / live50 <= 0.3);
            Benchmarks.Report.Line($"replica mode, {what}: p99 (ms) vs live federated", F(ours.Percentile(99)), F(baseline.Percentile(99)),
                Ratio(ours.Percentile(99), baseline.Percentile(99)));
        }
    }

    /// <summary>The replica answer's rows (and count) are the live answer's: the figures compare two answers to one question.</summary>
    private static async Task SamePageAsync(HttpClient http, Uri replica, Uri live)
    {
        using var ours = JsonDocument.Parse(await http.GetStringAsync(replica));
        using var theirs = JsonDocument.Parse(await http.GetStringAsync(live));
        string Rows(JsonDocument page) => page.RootElement.GetProperty("value").GetRawText() + page.RootElement.GetProperty("@odata.count").GetRawText();
        if (Rows(ours) != Rows(theirs))
        {
            throw new InvalidOperationException("The replica page is not the live page: the replicas are not up to date, or replica mode answers differently.");
        }
        Console.WriteLine("# replica mode: the first page equals the live page (rows and count)");
    }

    /// <summary>
    /// A build with replica mode answers <c>mode=replica</c> and refuses an unknown mode (400); this build ignores
    /// parameters without <c>$</c>, so it answers both alike, live.
    /// </summary>
    private static async Task<bool> AvailableAsync(HttpClient http, RegionNode zj)
    {
        using var replica = await http.GetAsync(new Uri(zj.Origin, "federation/odata/Instruments?mode=replica&$top=1"));
        using var unknown = await http.GetAsync(new Uri(zj.Origin, "federation/odata/Instruments?mode=no-such-mode&$top=1"));
        var body = await replica.Content.ReadAsStringAsync();
        return replica.StatusCode == HttpStatusCode.OK
               && ((int)unknown.StatusCode is >= 400 and < 500 || body.Contains("replica", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Null when the replica answer has every node ok and the live count, and the peers list shows replicas.</summary>
    private static async Task<string?> NotReadyAsync(HttpClient http, RegionNode zj, long total)
    {
        using var response = await http.GetAsync(new Uri(zj.Origin, $"federation/odata/Instruments?mode=replica&{Query}"));
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return $"mode=replica answered {(int)response.StatusCode}";
        }
        using (var page = JsonDocument.Parse(body))
        {
            var root = page.RootElement;
            var notOk = root.GetProperty("sources").EnumerateArray().Where(s => s.GetProperty("status").GetString() != "ok").Select(s => s.ToString()).ToList();
            if (notOk.Count > 0)
            {
                return $"sources not ok: {string.Join(", ", notOk)}";
            }
            if (root.TryGetProperty("@odata.count", out var count) && count.GetInt64() != total)
            {
                return $"replica count {count.GetInt64()}, live {total}";
            }
        }
        using var peers = JsonDocument.Parse(await http.GetStringAsync(new Uri(zj.Origin, "federation/peers")));
        var missing = peers.RootElement.GetProperty("peers").EnumerateArray().Where(p => !PeerHasReplica(p)).Select(p => p.ToString()).ToList();
        return missing.Count == 0 ? null : $"/federation/peers shows no replica for: {string.Join(", ", missing)}";
    }

    /// <summary>
    /// A peer's entry shows a complete replica: <c>replicaAgeSeconds</c> has a value (the harvest branch gives it once
    /// every set was harvested). Without that field, any field named like <c>replica…</c> with a value other than
    /// null, 0 or empty will do; an entry with no such field at all (a shape not known here) does not hold the wait up.
    /// </summary>
    private static bool PeerHasReplica(JsonElement peer)
    {
        if (peer.TryGetProperty("replicaAgeSeconds", out var age))
        {
            return age.ValueKind == JsonValueKind.Number;
        }
        var fields = peer.EnumerateObject().Where(p => p.Name.Contains("replica", StringComparison.OrdinalIgnoreCase)).ToList();
        return fields.Count == 0 || fields.Any(p => p.Value.ValueKind switch
        {
            JsonValueKind.Null or JsonValueKind.Undefined => false,
            JsonValueKind.Number => p.Value.GetDouble() != 0,
            JsonValueKind.Array => p.Value.GetArrayLength() > 0,
            _ => true,
        });
    }
}
