using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;

namespace DxyqOpenData.Benchmarks.Cluster;

/// <summary>
/// Issue 18's scale-out check: pushes and catalog queries through HAProxy to two nodes against the same through HAProxy
/// to one of them, same run, same nodes and database, alternating. The cluster is <c>scripts/cluster</c>'s (two nodes as
/// deploy/ runs them, one PostgreSQL); the one-node HAProxy is a second HAProxy on the same configuration with the
/// second server line left out. Also prints the CPU each part used per 1,000 rows and per 1,000 queries, the figures
/// docs/scaling.md works from. See README.md.
/// </summary>
public static class ClusterBenchmark
{
    private sealed record Options(int Seconds, int Rounds, int Concurrency, int Batch, double Scale, IReadOnlyList<string> Sets, IReadOnlyList<string> Workloads);

    private sealed record Phase(string Workload, string Mode, long Items, long Requests, TimeSpan Wall, double P50,
        IReadOnlyDictionary<string, TimeSpan> Cpu, int Failures);

    public static async Task<int> RunAsync(string[] args)
    {
        var options = Parse(args);
        var repo = RepoRoot();
        var dir = Path.Combine(Path.GetTempPath(), $"dxyq-bench-cluster-{Environment.ProcessId}");
        Console.WriteLine($"# {options.Rounds} rounds × ({string.Join(", ", options.Workloads)}) × (1 node, 2 nodes), {options.Seconds} s each, {options.Concurrency} clients; " +
            $"push batches of {options.Batch} instruments; demo scale {options.Scale}" +
            (options.Sets.Count == 0 ? "" : $"; node settings {string.Join(" ", options.Sets)}"));
        var started = false;
        Process? single = null;
        try
        {
            var output = await ScriptAsync(repo, ["start", "--nodes", "2", "--app", AppContext.BaseDirectory, "--dir", dir,
                "--set", $"Demo__Scale={options.Scale.ToString(CultureInfo.InvariantCulture)}", "--set", "SensorBridge__Enabled=false",
                .. options.Sets.SelectMany(s => new[] { "--set", s })]);
            started = true;
            var env = output.Split('\n').Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1].Trim());
            var two = new Uri(env["DXYQ_CLUSTER_URL"]);
            var (one, haproxy) = StartSingleHaproxy(dir, env["DXYQ_NODE1_PORT"]);
            single = haproxy;

            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
            { Timeout = TimeSpan.FromMinutes(2) };
            var unit = (await http.GetFromJsonAsync<JsonNode>(new Uri(two, "/odata/Units?$filter=regionCode ne null&$orderby=id&$top=1&$select=id,regionCode")))!["value"]![0]!;
            var client = await AddClientAsync(dir, unit["id"]!.GetValue<string>());
            var token = await TokenAsync(http, two, client);
            var queries = QueryShapes();
            var region = unit["regionCode"]!.GetValue<string>();

            // Warm both paths (JIT, pools, plans) before anything is timed; the pushes start from the demo data.
            await PushPhaseAsync(http, one, token, "warm1", region, options with { Seconds = 3 }, dir);
            await PushPhaseAsync(http, two, token, "warm2", region, options with { Seconds = 3 }, dir);
            await QueryPhaseAsync(http, one, queries, options with { Seconds = 3 }, dir);
            await QueryPhaseAsync(http, two, queries, options with { Seconds = 3 }, dir);
            await ResetAsync(env["DXYQ_CLUSTER_POSTGRES"]);

            // The queries first, on the demo data as loaded (the pushes grow the instruments table); each round
            // alternates which side goes first, so a drift in the machine's load does not favour one.
            var phases = new List<Phase>();
            (string, Uri)[] Order(int round) => round % 2 == 1 ? [("1 node", one), ("2 nodes", two)] : [("2 nodes", two), ("1 node", one)];
            // The reference first: GET /health/live (no check, no database) shows what a second process on the same cores
            // costs any request, whatever the node does with it.
            if (options.Workloads.Contains("live"))
            {
                await LivePhaseAsync(http, one, options with { Seconds = 3 }, dir);
                await LivePhaseAsync(http, two, options with { Seconds = 3 }, dir);
                for (var round = 1; round <= options.Rounds; round++)
                {
                    foreach (var (mode, url) in Order(round))
                    {
                        phases.Add((await LivePhaseAsync(http, url, options, dir)) with { Mode = mode });
                    }
                }
            }
            for (var round = 1; round <= options.Rounds && options.Workloads.Contains("queries"); round++)
            {
                foreach (var (mode, url) in Order(round))
                {
                    phases.Add((await QueryPhaseAsync(http, url, queries, options, dir)) with { Mode = mode });
                }
            }
            for (var round = 1; round <= options.Rounds && options.Workloads.Contains("push"); round++)
            {
                foreach (var (mode, url) in Order(round))
                {
                    phases.Add((await PushPhaseAsync(http, url, token, $"r{round}{mode[0]}", region, options, dir)) with { Mode = mode });
                    await ResetAsync(env["DXYQ_CLUSTER_POSTGRES"]);
                }
            }
            return Print(phases) ? 0 : 1;
        }
        finally
        {
            if (single is { HasExited: false })
            {
                single.Kill();
            }
            if (File.Exists(Path.Combine(dir, "haproxy-one.pid")) && int.TryParse(File.ReadAllText(Path.Combine(dir, "haproxy-one.pid")).Trim(), out var pid))
            {
                try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { }
            }
            if (started || Directory.Exists(dir))
            {
                await ScriptAsync(repo, "stop", "--dir", dir);
            }
        }
    }

    private static bool Print(List<Phase> phases)
    {
        Report.Columns();
        var ok = true;
        foreach (var workload in new[] { "live", "queries", "push" }.Where(w => phases.Any(p => p.Workload == w)))
        {
            var unitName = workload switch { "push" => "rows", "live" => "requests", _ => "queries" };
            var reference = workload == "live";
            Phase Sum(string mode)
            {
                var of = phases.Where(p => p.Workload == workload && p.Mode == mode).ToList();
                var cpu = of.SelectMany(p => p.Cpu).GroupBy(c => c.Key).ToDictionary(g => g.Key, g => g.Aggregate(TimeSpan.Zero, (a, c) => a + c.Value));
                return new Phase(workload, mode, of.Sum(p => p.Items), of.Sum(p => p.Requests), of.Aggregate(TimeSpan.Zero, (a, p) => a + p.Wall),
                    of.Select(p => p.P50).Order().ElementAt(of.Count / 2), cpu, of.Sum(p => p.Failures));
            }
            var one = Sum("1 node");
            var two = Sum("2 nodes");
            var rateOne = one.Items / one.Wall.TotalSeconds;
            var rateTwo = two.Items / two.Wall.TotalSeconds;
            var ratio = rateTwo / rateOne;
            var met = ratio >= 0.9 && one.Failures == 0 && two.Failures == 0;
            ok &= met || reference;
            Report.Line($"{workload}: {unitName}/s through HAProxy, 2 nodes vs 1", $"{rateTwo:N0}/s", $"{rateOne:N0}/s", $"{ratio:0.00}x",
                reference ? "(reference: no work)" : ">= 0.9x", reference ? null : met);
            Report.Line($"{workload}: p50 per request, 2 nodes vs 1", $"{two.P50:N1} ms", $"{one.P50:N1} ms", $"{two.P50 / one.P50:0.00}x");
            if (one.Failures + two.Failures > 0)
            {
                Report.Line($"{workload}: failed requests", $"{two.Failures}", $"{one.Failures}");
            }
            foreach (var part in two.Cpu.Keys.Union(one.Cpu.Keys).Order())
            {
                double PerThousand(Phase p) => p.Cpu.GetValueOrDefault(part).TotalMilliseconds * 1000 / p.Items;
                Report.Line($"{workload}: CPU ms per 1,000 {unitName}, {part}", $"{PerThousand(two):N1}", $"{PerThousand(one):N1}");
            }
        }
        Console.WriteLine("# per phase: workload, mode, items, requests, seconds, p50 ms, failures, CPU s by part");
        foreach (var p in phases)
        {
            Console.WriteLine($"#   {p.Workload,-7} {p.Mode,-7} {p.Items,9:N0} {p.Requests,7:N0} {p.Wall.TotalSeconds,6:N1} s {p.P50,8:N1} ms {p.Failures,3}  "
                + string.Join(", ", p.Cpu.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value.TotalSeconds:N1}")));
        }
        return ok;
    }

    // --- workloads -------------------------------------------------------------------------------------------------

    private static async Task<Phase> PushPhaseAsync(HttpClient http, Uri url, string token, string tag, string region, Options options, string dir)
    {
        var prefix = $"CB{Environment.ProcessId % 1000:000}{tag}";
        return await PhaseAsync("push", url, options, dir, async (worker, n) =>
        {
            var batch = new JsonArray();
            for (var i = 0; i < options.Batch; i++)
            {
                batch.Add(new JsonObject
                {
                    ["innerId"] = $"{prefix}-{worker}-{n}-{i}", ["name"] = "集群基准测试仪器", ["categoryCode"] = "020301", ["instrumentType"] = "general",
                    ["priceCny"] = 300_000 + (n * 7919 + i * 104_729) % 9_000_000, ["fundingSource"] = "fiscal", ["acceptanceDate"] = "2025-06-01",
                    ["status"] = "normal", ["shareMode"] = "open", ["regionCode"] = region, ["countryOfOrigin"] = i % 3 == 0 ? "CN" : "DE",
                });
            }
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(url, "/api/v1/push/instruments"))
            {
                Content = new StringContent(batch.ToJsonString(), Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request);
            return response.StatusCode == HttpStatusCode.OK ? options.Batch : -1;
        });
    }

    /// <summary>
    /// Untimed, between push phases: the benchmark's instruments and their change-log entries are deleted and the
    /// database vacuumed, so every phase starts from the same database. Otherwise each phase would push onto the previous ones' rows (hundreds of
    /// thousands: many times a province's register) and pay for their vacuum, whichever mode it measures.
    /// </summary>
    private static async Task ResetAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var sql in new[]
        {
            $"DELETE FROM instruments WHERE inner_id LIKE 'CB{Environment.ProcessId % 1000:000}%'",
            // Their tombstones too: nobody harvests this cluster, and the change log would grow by each phase's rows.
            "DELETE FROM catalog_changes c WHERE c.entity_set = 'Instruments' AND NOT EXISTS (SELECT 1 FROM instruments i WHERE i.id = c.row_id)",
            "VACUUM ANALYZE",
        })
        {
            await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
            await command.ExecuteNonQueryAsync();
        }
    }

    private static Task<Phase> LivePhaseAsync(HttpClient http, Uri url, Options options, string dir) =>
        PhaseAsync("live", url, options, dir, async (worker, n) =>
        {
            using var response = await http.GetAsync(new Uri(url, "/health/live"));
            await response.Content.LoadIntoBufferAsync();
            return response.StatusCode == HttpStatusCode.OK ? 1 : -1;
        });

    private static Task<Phase> QueryPhaseAsync(HttpClient http, Uri url, IReadOnlyList<string> queries, Options options, string dir) =>
        PhaseAsync("queries", url, options, dir, async (worker, n) =>
        {
            using var response = await http.GetAsync(new Uri(url, queries[(worker * 7 + n) % queries.Count]));
            await response.Content.LoadIntoBufferAsync();
            return response.StatusCode == HttpStatusCode.OK ? 1 : -1;
        });

    /// <summary>
    /// <see cref="Options.Concurrency"/> clients calling <paramref name="call"/> back to back for the phase's seconds;
    /// a call returns the items it carried, or -1 when it failed.
    /// </summary>
    private static async Task<Phase> PhaseAsync(string workload, Uri url, Options options, string dir, Func<int, int, Task<int>> call)
    {
        var latencies = new List<double>();
        long items = 0, requests = 0;
        var failures = 0;
        var cpuBefore = ClusterCpu(dir);
        var wall = Stopwatch.StartNew();
        var end = TimeSpan.FromSeconds(options.Seconds);
        await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(async worker =>
        {
            for (var n = 0; wall.Elapsed < end; n++)
            {
                var started = Stopwatch.GetTimestamp();
                int carried;
                try
                {
                    carried = await call(worker, n);
                }
                catch (HttpRequestException)
                {
                    carried = -1; // a connection HAProxy closed (a node it marked down): counted, not retried
                }
                var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                lock (latencies)
                {
                    latencies.Add(ms);
                    requests++;
                    if (carried < 0) failures++;
                    else items += carried;
                }
            }
        }));
        wall.Stop();
        var cpuAfter = ClusterCpu(dir);
        var cpu = cpuAfter.ToDictionary(c => c.Key, c => c.Value - cpuBefore.GetValueOrDefault(c.Key));
        var sorted = latencies.Order().ToArray();
        return new Phase(workload, url.ToString(), items, requests, wall.Elapsed, sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2], cpu, failures);
    }

    /// <summary>Catalog queries of the kinds the federation and units' portals send: filters, orders, pages, counts, expands.</summary>
    private static List<string> QueryShapes()
    {
        var random = new Random(18);
        var shapes = new List<string>();
        string[] orders = ["priceCny desc", "name", "acceptanceDate desc", "id"];
        for (var i = 0; i < 40; i++)
        {
            var price = 300_000 + random.Next(0, 40) * 100_000;
            shapes.Add((i % 5) switch
            {
                0 => $"/odata/Instruments?$filter=priceCny gt {price}&$orderby={orders[i % orders.Length]}&$top=20",
                1 => $"/odata/Instruments?$filter=isDomestic eq {(i % 2 == 0 ? "true" : "false")}&$select=id,name,priceCny&$top=50&$count=true",
                2 => $"/odata/ServiceOfferings?$top=20&$orderby=id&$skip={random.Next(0, 200)}",
                3 => $"/odata/Instruments?$filter=contains(name,'显微镜')&$top=10&$expand=Unit",
                _ => $"/odata/Units?$orderby=name&$top=30",
            });
        }
        return shapes;
    }

    // --- the cluster ------------------------------------------------------------------------------------------------

    /// <summary>A second HAProxy with the cluster's configuration and only node 1's server line.</summary>
    private static (Uri Url, Process Process) StartSingleHaproxy(string dir, string node1Port)
    {
        var config = File.ReadAllLines(Path.Combine(dir, "haproxy.cfg")).Where(l => !l.TrimStart().StartsWith("server node", StringComparison.Ordinal) || l.Contains("node1 ", StringComparison.Ordinal));
        var path = Path.Combine(dir, "haproxy-one.cfg");
        File.WriteAllLines(path, config);
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var info = new ProcessStartInfo("haproxy", ["-f", path]) { RedirectStandardError = true, RedirectStandardOutput = true };
        info.Environment["DXYQ_LISTEN"] = $"127.0.0.1:{port}";
        info.Environment["DXYQ_NODE1"] = $"127.0.0.1:{node1Port}";
        var process = Process.Start(info)!;
        File.WriteAllText(Path.Combine(dir, "haproxy-one.pid"), process.Id.ToString(CultureInfo.InvariantCulture));
        var url = new Uri($"http://127.0.0.1:{port}");
        using var probe = new HttpClient();
        for (var i = 0; ; i++)
        {
            try
            {
                if (probe.GetAsync(new Uri(url, "/health/ready")).Result.IsSuccessStatusCode) break;
            }
            catch (AggregateException) when (i < 100) { }
            if (i >= 100 || process.HasExited) throw new InvalidOperationException($"the one-node HAProxy did not start: {process.StandardError.ReadToEnd()}");
            Thread.Sleep(100);
        }
        return (url, process);
    }

    /// <summary>
    /// CPU time used so far by the cluster's parts, from /proc: each node, PostgreSQL (the postmaster, the children it
    /// reaped and its live backends) and the HAProxies.
    /// </summary>
    private static Dictionary<string, TimeSpan> ClusterCpu(string dir)
    {
        var stats = new Dictionary<int, (int Parent, TimeSpan Own, TimeSpan Reaped)>();
        foreach (var proc in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(proc, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                TimeSpan Ticks(int a, int b) => TimeSpan.FromSeconds((long.Parse(fields[a], CultureInfo.InvariantCulture) + long.Parse(fields[b], CultureInfo.InvariantCulture)) / 100.0);
                stats[pid] = (int.Parse(fields[1], CultureInfo.InvariantCulture), Ticks(11, 12), Ticks(13, 14));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
            }
        }
        int? Pid(string file) => File.Exists(file) && int.TryParse(File.ReadLines(file).First().Trim(), out var p) ? p : null;
        var cpu = new Dictionary<string, TimeSpan>();
        for (var i = 1; i <= 2; i++)
        {
            if (Pid(Path.Combine(dir, $"node{i}.pid")) is { } node && stats.TryGetValue(node, out var s)) cpu[$"node {i}"] = s.Own;
        }
        if (Pid(Path.Combine(dir, "pg", "data", "postmaster.pid")) is { } postmaster && stats.TryGetValue(postmaster, out var pm))
        {
            cpu["PostgreSQL"] = pm.Own + pm.Reaped + stats.Values.Where(v => v.Parent == postmaster).Aggregate(TimeSpan.Zero, (a, v) => a + v.Own);
        }
        cpu["HAProxy"] = new[] { "haproxy.pid", "haproxy-one.pid" }.Select(f => Pid(Path.Combine(dir, f)))
            .Aggregate(TimeSpan.Zero, (a, p) => p is { } h && stats.TryGetValue(h, out var hs) ? a + hs.Own : a);
        cpu["clients (this process)"] = Process.GetCurrentProcess().TotalProcessorTime;
        return cpu;
    }

    private static async Task<(string Id, string Secret)> AddClientAsync(string dir, string unit)
    {
        var info = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "DxyqOpenData.Api.dll"), "clients", "add", "--name", "cluster benchmark",
            "--unit", unit, "--scopes", "catalog.write"])
        { WorkingDirectory = AppContext.BaseDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var line in await File.ReadAllLinesAsync(Path.Combine(dir, "node.env")))
        {
            if (line.Length > 0 && !line.StartsWith('#') && line.Split('=', 2) is [var key, var value]) info.Environment[key] = value;
        }
        info.Environment["Database__MigrateOnStartup"] = "false";
        using var process = Process.Start(info)!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"clients add exited {process.ExitCode}: {stderr}");
        var json = JsonNode.Parse(stdout)!;
        return (json["clientId"]!.GetValue<string>(), json["clientSecret"]!.GetValue<string>());
    }

    private static async Task<string> TokenAsync(HttpClient http, Uri url, (string Id, string Secret) client)
    {
        using var response = await http.PostAsync(new Uri(url, "/connect/token"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = client.Id, ["client_secret"] = client.Secret, ["scope"] = "catalog.write",
        }));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonNode>())!["access_token"]!.GetValue<string>();
    }

    private static async Task<string> ScriptAsync(string repo, params string[] args)
    {
        var info = new ProcessStartInfo("bash", [Path.Combine(repo, "scripts", "cluster"), .. args]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"scripts/cluster {string.Join(' ', args)} exited {process.ExitCode}:\n{await stdout}\n{await stderr}");
        return await stdout;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DxyqOpenData.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("run from a checkout (DxyqOpenData.sln not found above the benchmark)");
    }

    private static Options Parse(string[] args)
    {
        var options = new Options(Seconds: 20, Rounds: 4, Concurrency: 8, Batch: 100, Scale: 0.2, Sets: [], Workloads: ["live", "queries", "push"]);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = args[i + 1];
            options = args[i] switch
            {
                "--seconds" => options with { Seconds = int.Parse(value, CultureInfo.InvariantCulture) },
                "--rounds" => options with { Rounds = int.Parse(value, CultureInfo.InvariantCulture) },
                "--concurrency" => options with { Concurrency = int.Parse(value, CultureInfo.InvariantCulture) },
                "--batch" => options with { Batch = int.Parse(value, CultureInfo.InvariantCulture) },
                "--scale" => options with { Scale = double.Parse(value, CultureInfo.InvariantCulture) },
                "--set" => options with { Sets = [.. options.Sets, value] },
                "--workloads" => options with { Workloads = value.Split(',', StringSplitOptions.TrimEntries) is var w && w.All(x => x is "live" or "queries" or "push")
                    ? w : throw new ArgumentException($"--workloads {value}: a comma-separated list of live, queries, push") },
                _ => throw new ArgumentException($"unknown option {args[i]}: --seconds --rounds --concurrency --batch --scale --set --workloads"),
            };
        }
        return options;
    }
}
