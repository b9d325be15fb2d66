using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace DxyqOpenData.Benchmarks.Federation;

/// <summary>
/// Issue 5's federation targets with real nodes: ZJ and three peers (SH, JS, AH) in this process on loopback Kestrel,
/// each on its own SQLite file with its own region's demo data, real <c>federation</c> clients and tokens between
/// them, and a <see cref="DelayProxy"/> adding the network's latency between ZJ and each peer. (a) the live federated
/// query against the slowest peer asked directly; (b) one peer hanging against its timeout; (c) replica mode against
/// the same query on local <c>/odata</c>. See README.md.
/// </summary>
public static class FederationBenchmark
{
    /// <summary>What a catalog user asks: a filter, an order, a page of 50 and the count.</summary>
    public const string Query = "$filter=priceCny ge 1000000 and acceptanceDate ge 2021-01-01&$orderby=priceCny desc&$top=50&$count=true";
    private const int PageRows = 50;

    private static readonly (string Code, int Seed)[] PeerRegions = [("SH", 2), ("JS", 3), ("AH", 4)];

    internal sealed record Options(int Requests, int Warmup, int LatencyMs, int TimeoutMs, int HangRequests, double Scale, int ReplicaWaitSeconds, string? Only)
    {
        /// <summary>Whether part (a) <c>live</c>, (b) <c>hanging</c> or (c) <c>replica</c> runs: all of them unless <c>--only</c> names one.</summary>
        public bool Runs(string part) => Only is null || Only == part;
    }

    /// <summary>
    /// One thing timed: a GET, with a token or not, and a check of each answer (outside the timing); or, given
    /// <paramref name="All"/>, those targets' GETs at once (timed until the last one answers).
    /// </summary>
    internal sealed record Target(string Name, Uri? Url, string? Token = null, Action<JsonElement>? Check = null, IReadOnlyList<Target>? All = null,
        Func<Uri>? NextUrl = null);

    /// <summary>
    /// <see cref="Query"/> with its price bound raised by one yuan per call: a different query each time (so no cache
    /// keyed by the query answers it twice) that reads about the same rows.
    /// </summary>
    internal static Func<string> DistinctQueries()
    {
        var n = 0;
        return () => Query.Replace("priceCny ge 1000000", $"priceCny ge {1000000 + Interlocked.Increment(ref n)}", StringComparison.Ordinal);
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var options = Parse(args);
        Console.WriteLine($"# ZJ + {string.Join(", ", PeerRegions.Select(p => p.Code))}, demo scale {options.Scale} each; +{options.LatencyMs} ms round trip " +
                          $"between ZJ and each peer (delaying TCP proxy); peer timeout {options.TimeoutMs} ms; {options.Requests} sequential requests per target after {options.Warmup} warm-up");
        Console.WriteLine($"# query: {Query}");
        var peers = new List<RegionNode>();
        var proxies = new List<DelayProxy>();
        RegionNode? zj = null;
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16 }) { Timeout = TimeSpan.FromSeconds(60) };
        try
        {
            var settings = new Dictionary<string, string?>
            {
                // (b) measures every request waiting for the hanging peer: the circuit must not open and hide it.
                ["Federation:CircuitMinimumThroughput"] = "1000000",
            };
            var load = Stopwatch.StartNew();
            foreach (var (i, (code, seed)) in PeerRegions.Index())
            {
                var peer = new RegionNode(code, seed, options.Scale);
                peers.Add(peer);
                var proxy = new DelayProxy(peer.Origin, TimeSpan.FromMilliseconds(options.LatencyMs));
                proxies.Add(proxy);
                var client = await peer.AddClientAsync("federation", "浙江节点");
                settings[$"Federation:Peers:{i}:Code"] = code;
                settings[$"Federation:Peers:{i}:BaseUrl"] = proxy.Address.ToString();
                settings[$"Federation:Peers:{i}:ClientId"] = client.Id;
                settings[$"Federation:Peers:{i}:ClientSecret"] = client.Secret;
                settings[$"Federation:Peers:{i}:Timeout"] = TimeSpan.FromMilliseconds(options.TimeoutMs).ToString("c", CultureInfo.InvariantCulture);
            }
            foreach (var (key, value) in Replicas.Settings)
            {
                settings[key] = value;
            }
            zj = new RegionNode("ZJ", 1, options.Scale, settings);
            Console.WriteLine($"# four nodes up with their demo data in {load.Elapsed.TotalSeconds:F1} s");

            // The direct targets: each peer through its proxy, with a federation token of its own (as ZJ asks it).
            var direct = new List<Target>();
            var counts = new Dictionary<string, long>();
            foreach (var (peer, proxy) in peers.Zip(proxies))
            {
                var token = await RegionNode.TokenAsync(http, new Uri(proxy.Address, "connect/token"), await peer.AddClientAsync("federation", "基准直连"), "federation");
                var target = new Target(peer.Code, new Uri(proxy.Address, $"odata/Instruments?{Query}"), token, Page);
                counts[peer.Code] = await CountAsync(http, target);
                direct.Add(target);
            }
            var local = new Target("ZJ", new Uri(zj.Origin, $"odata/Instruments?{Query}"), Check: Page);
            counts["ZJ"] = await CountAsync(http, local);
            Console.WriteLine($"# rows matching the filter: {string.Join(", ", counts.Select(c => $"{c.Key} {c.Value:N0}"))}; instruments per node: {await CountAsync(http, new Target("", new Uri(zj.Origin, "odata/Instruments?$top=0&$count=true"))):N0} (ZJ)");

            var replica = await Replicas.PrepareAsync(http, zj, counts.Values.Sum(), options);
            Report.Columns();
            if (options.Runs("live"))
            {
                await LiveAsync(http, zj, direct, local, counts, options);
            }
            if (options.Runs("hanging"))
            {
                await HangingAsync(http, zj, proxies[^1], peers[^1].Code, counts, options);
            }
            if (options.Runs("replica"))
            {
                await Replicas.MeasureAsync(http, zj, replica, options);
            }
            return 0;
        }
        finally
        {
            zj?.Dispose();
            foreach (var proxy in proxies)
            {
                await proxy.DisposeAsync();
            }
            foreach (var peer in peers)
            {
                peer.Dispose();
            }
        }
    }

    /// <summary>(a) Each peer directly, ZJ's own /odata, and the federated query, interleaved request by request.</summary>
    private static async Task LiveAsync(HttpClient http, RegionNode zj, List<Target> direct, Target local, Dictionary<string, long> counts, Options options)
    {
        var total = counts.Values.Sum();
        var slowestSource = new Samples();
        var federated = new Target("federated", new Uri(zj.Origin, $"federation/odata/Instruments?{Query}"), Check: page =>
        {
            Sources(page, expectedDown: null);
            Page(page);
            var count = page.GetProperty("@odata.count").GetInt64();
            if (count != total)
            {
                throw new InvalidOperationException($"federated count {count}, the nodes' counts sum to {total}");
            }
            slowestSource.Add(page.GetProperty("sources").EnumerateArray().Max(s => s.GetProperty("ms").GetDouble()));
        });
        // The floor of a fan-out on this machine: the three peers asked at once by the benchmark itself (their queries
        // then share the cores, as they do under a federated query; on a real network each peer has its own).
        var together = new Target("together", null, All: direct);
        var targets = direct.Append(local).Append(together).Append(federated).ToList();
        await InterleavedAsync(http, targets, options.Warmup, 0);
        slowestSource = new Samples(); // the check above adds to whichever this variable holds: start counting now
        var samples = await InterleavedAsync(http, targets, 0, options.Requests);

        foreach (var peer in direct)
        {
            Report.Line($"{peer.Name} directly, through its proxy: p50 / p99 (ms)", $"{samples[peer.Name].Percentile(50):F1} / {samples[peer.Name].Percentile(99):F1}");
        }
        var slowP50 = direct.Max(p => samples[p.Name].Percentile(50));
        var slowP99 = direct.Max(p => samples[p.Name].Percentile(99));
        Report.Line("ZJ /odata locally: p50 / p99 (ms)", $"{samples["ZJ"].Percentile(50):F1} / {samples["ZJ"].Percentile(99):F1}");
        Report.Line("3 peers at once, by the benchmark: p50 / p99 (ms)", $"{samples["together"].Percentile(50):F1} / {samples["together"].Percentile(99):F1}");
        var fed = samples["federated"];
        var limit = 1.2 * slowP50 + 15;
        Report.Line("federated, 3 peers + ZJ: p50 (ms)", F(fed.Percentile(50)), F(slowP50), Ratio(fed.Percentile(50), slowP50),
            $"<= 1.2x + 15 = {limit:F1} ms", fed.Percentile(50) <= limit);
        Report.Line("federated, 3 peers + ZJ: p99 (ms)", F(fed.Percentile(99)), F(slowP99), Ratio(fed.Percentile(99), slowP99),
            $"(1.2x + 15 = {1.2 * slowP99 + 15:F1} ms)");
        Report.Line("federated vs 3 peers at once: p50 (ms)", F(fed.Percentile(50)), F(samples["together"].Percentile(50)),
            Ratio(fed.Percentile(50), samples["together"].Percentile(50)));
        Report.Line("  slowest node as ZJ saw it (sources.ms): p50", F(slowestSource.Percentile(50)), null, null, $"p99 {slowestSource.Percentile(99):F0}");
    }

    /// <summary>(b) One peer accepts and never answers: the federated query answers at its timeout, with the others' rows.</summary>
    private static async Task HangingAsync(HttpClient http, RegionNode zj, DelayProxy proxy, string code, Dictionary<string, long> counts, Options options)
    {
        var expected = counts.Where(c => c.Key != code).Sum(c => c.Value);
        var federated = new Target("hanging", new Uri(zj.Origin, $"federation/odata/Instruments?{Query}"), Check: page =>
        {
            Sources(page, expectedDown: code);
            Page(page);
            if (page.GetProperty("@odata.count").GetInt64() != expected)
            {
                throw new InvalidOperationException($"with {code} down the count should be {expected}");
            }
        });
        proxy.Hang = true;
        try
        {
            var samples = await InterleavedAsync(http, [federated], Math.Min(options.Warmup, 3), options.HangRequests);
            var limit = options.TimeoutMs + 100;
            var p99 = samples["hanging"].Percentile(99);
            Report.Line($"{code} hanging: federated p50 (ms)", F(samples["hanging"].Percentile(50)), null, null, $"{code} timeout {options.TimeoutMs} ms");
            Report.Line($"{code} hanging: federated p99 (ms)", F(p99), F(options.TimeoutMs), Ratio(p99, options.TimeoutMs), $"<= timeout + 100 = {limit} ms", p99 <= limit);
        }
        finally
        {
            proxy.Hang = false;
        }
    }

    /// <summary>
    /// Sequential requests, one target after another in a rotating order (so drift and each target's position in the
    /// round hit all alike); the first <paramref name="warmup"/> rounds are not counted.
    /// </summary>
    internal static async Task<Dictionary<string, Samples>> InterleavedAsync(HttpClient http, IReadOnlyList<Target> targets, int warmup, int rounds)
    {
        var samples = targets.ToDictionary(t => t.Name, _ => new Samples());
        for (var round = -warmup; round < rounds; round++)
        {
            for (var k = 0; k < targets.Count; k++)
            {
                var target = targets[(Math.Abs(round) + k) % targets.Count];
                var ms = await TimeAsync(http, target);
                if (round >= 0)
                {
                    samples[target.Name].Add(ms);
                }
            }
        }
        return samples;
    }

    private static async Task<double> TimeAsync(HttpClient http, Target target)
    {
        if (target.All is { } all)
        {
            var start = Stopwatch.GetTimestamp();
            await Task.WhenAll(all.Select(t => TimeAsync(http, t)));
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, target.NextUrl?.Invoke() ?? target.Url);
        if (target.Token is not null)
        {
            request.Headers.Authorization = new("Bearer", target.Token);
        }
        var started = Stopwatch.GetTimestamp();
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsByteArrayAsync();
        var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"{target.Name}: {target.Url} answered {(int)response.StatusCode}: {Encoding(body)}");
        }
        using var page = JsonDocument.Parse(body);
        target.Check?.Invoke(page.RootElement);
        return ms;
    }

    private static async Task<long> CountAsync(HttpClient http, Target target)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, target.NextUrl?.Invoke() ?? target.Url);
        if (target.Token is not null)
        {
            request.Headers.Authorization = new("Bearer", target.Token);
        }
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"{target.Url} answered {(int)response.StatusCode}: {body}");
        }
        using var page = JsonDocument.Parse(body);
        return page.RootElement.GetProperty("@odata.count").GetInt64();
    }

    /// <summary>A full page: a wrong or short answer is not a latency worth reporting.</summary>
    internal static void Page(JsonElement page)
    {
        if (page.GetProperty("value").GetArrayLength() != PageRows)
        {
            throw new InvalidOperationException($"expected {PageRows} rows, got {page.GetProperty("value").GetArrayLength()}");
        }
    }

    /// <summary>Every node answered (ok), except <paramref name="expectedDown"/>, which timed out.</summary>
    internal static void Sources(JsonElement page, string? expectedDown)
    {
        foreach (var source in page.GetProperty("sources").EnumerateArray())
        {
            var node = source.GetProperty("node").GetString();
            var status = source.GetProperty("status").GetString();
            var expected = node == expectedDown ? "timeout" : "ok";
            if (status != expected)
            {
                throw new InvalidOperationException($"source {node} is '{status}' ({source}), expected '{expected}'");
            }
        }
    }

    private static string Encoding(byte[] body) => System.Text.Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 2000)));

    internal static string F(double ms) => ms.ToString("F1", CultureInfo.InvariantCulture);

    internal static string Ratio(double ours, double baseline) => (ours / baseline).ToString("0.00", CultureInfo.InvariantCulture);

    private static Options Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2) values[args[i]] = args[i + 1];
        int Int(string name, int fallback) => values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return new Options(Int("--requests", 200), Int("--warmup", 20), Int("--latency", 50), Int("--timeout", 2000), Int("--hang-requests", 50),
            values.TryGetValue("--scale", out var scale) ? double.Parse(scale, CultureInfo.InvariantCulture) : 0.2, Int("--replica-wait", 120),
            values.TryGetValue("--only", out var only) ? only is "live" or "hanging" or "replica" ? only
                : throw new ArgumentException($"--only {only}: expected live, hanging or replica") : null);
    }
}
