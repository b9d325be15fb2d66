using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using DxyqOpenData.Tests.Security;
using Xunit.Abstractions;

namespace DxyqOpenData.Tests.Cluster;

/// <summary>
/// Several nodes, one database (issue 18): two nodes behind HAProxy on one PostgreSQL answer any request whichever node
/// it reaches — a token from one works on the other, an Idempotency-Key is replayed by the other — and pushes spread
/// over both survive one node killed mid-stream: every batch lands whole, none twice.
/// </summary>
public sealed class ClusterTests(ClusterFixture cluster, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    private static JsonObject Instrument(string innerId) => new()
    {
        ["innerId"] = innerId, ["name"] = "场发射扫描电子显微镜", ["categoryCode"] = "020301", ["instrumentType"] = "general",
        ["priceCny"] = 450000m, ["fundingSource"] = "fiscal", ["acceptanceDate"] = "2026-01-05", ["status"] = "normal",
        ["shareMode"] = "open", ["regionCode"] = "330106", ["countryOfOrigin"] = "CN", ["manufacturer"] = "中科科仪",
    };

    /// <summary>SIGKILL of node 1 through the script, and proof that it is gone (its port refuses connections).</summary>
    private async Task KillNode1Async()
    {
        await cluster.ScriptAsync("kill", "1");
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Assert.ThrowsAsync<HttpRequestException>(() => probe.GetAsync(new Uri(cluster.Node(1), "/health/live")));
    }

    private async Task<string> UnitAsync() => (string)(await cluster.QueryAsync("SELECT id FROM units ORDER BY id LIMIT 1"))[0][0]!;

    private static async Task<string> TokenAsync(Uri node, RegisteredClient client)
    {
        using var http = new HttpClient { BaseAddress = node };
        return await http.TokenAsync(client);
    }

    private static HttpRequestMessage Push(string body, string key) => new(HttpMethod.Post, "/api/v1/push/instruments")
    {
        Content = new StringContent(body, Encoding.UTF8, "application/json"),
        Headers = { { "Idempotency-Key", key } },
    };

    [Fact]
    public async Task A_token_from_one_node_and_an_idempotency_key_answered_by_one_are_honoured_by_the_other()
    {
        var unit = await UnitAsync();
        var client = await cluster.AddClientAsync("catalog.write", unit);
        var token = await TokenAsync(cluster.Node(1), client);
        using var node1 = new HttpClient { BaseAddress = cluster.Node(1) };
        using var node2 = new HttpClient { BaseAddress = cluster.Node(2) };
        node1.DefaultRequestHeaders.Authorization = node2.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var innerId = $"CLT-{Guid.NewGuid():N}"[..20];
        var body = new JsonArray(Instrument(innerId)).ToJsonString();
        var key = Guid.NewGuid().ToString();
        using var first = await node1.SendAsync(Push(body, key));
        var firstBody = await first.Content.ReadAsStringAsync();
        Assert.True(first.StatusCode == HttpStatusCode.OK, firstBody);
        Assert.Equal(1, (int)JsonNode.Parse(firstBody)!["created"]!);

        // Node 2 never saw this client's token request nor this push: the signing key and the stored answer are shared.
        using var replay = await node2.SendAsync(Push(body, key));
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal("true", Assert.Single(replay.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal(firstBody, await replay.Content.ReadAsStringAsync());
        Assert.Equal(1L, (long)(await cluster.QueryAsync($"SELECT COUNT(*) FROM instruments WHERE inner_id = '{innerId}'"))[0][0]!);

        // The control: a token node 2 cannot verify (its signature altered) is refused there.
        var forged = token[..^4] + (token[^4] == 'A' ? "BBBB" : "AAAA");
        using var forgedRequest = Push(new JsonArray(Instrument(innerId + "x")).ToJsonString(), Guid.NewGuid().ToString());
        forgedRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", forged);
        using var refused = await new HttpClient { BaseAddress = cluster.Node(2) }.SendAsync(forgedRequest);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task Pushes_spread_over_two_nodes_land_whole_and_once_when_one_node_is_killed_mid_stream()
    {
        const int Batches = 36, PerBatch = 4, Workers = 3;
        var unit = await UnitAsync();
        var client = await cluster.AddClientAsync("catalog.write", unit);
        var token = await TokenAsync(cluster.Url, client);
        using var http = new HttpClient { BaseAddress = cluster.Url, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var run = Guid.NewGuid().ToString("N")[..8];
        var answers = new ConcurrentDictionary<int, JsonNode>();
        var attempts = new ConcurrentBag<string>();
        var next = -1;
        var killed = 0;

        async Task Worker()
        {
            for (var b = Interlocked.Increment(ref next); b < Batches; b = Interlocked.Increment(ref next))
            {
                var body = new JsonArray([.. Enumerable.Range(0, PerBatch).Select(i => (JsonNode)Instrument($"CL{run}-{b:D3}-{i}"))]).ToJsonString();
                var key = $"cluster-{run}-{b}";
                // A client of a load-balanced node retries a push whose answer it did not get, with the same key.
                for (var deadline = DateTime.UtcNow.AddSeconds(90); ; await Task.Delay(500))
                {
                    Assert.True(DateTime.UtcNow < deadline, $"batch {b} got no 2xx in 90 s: {string.Join(", ", attempts)}");
                    try
                    {
                        using var response = await http.SendAsync(Push(body, key));
                        var text = await response.Content.ReadAsStringAsync();
                        attempts.Add($"{b}:{(int)response.StatusCode}");
                        if (response.IsSuccessStatusCode)
                        {
                            answers[b] = JsonNode.Parse(text)!;
                            break;
                        }
                        // 502/503 while HAProxy notices the dead node, 409 while its reservation of the key lasts.
                        Assert.True((int)response.StatusCode is 502 or 503 or 504 or 409, $"batch {b}: {(int)response.StatusCode} {text}");
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        attempts.Add($"{b}:{e.GetType().Name}");
                    }
                }
                if (answers.Count >= Batches / 3 && Interlocked.Exchange(ref killed, 1) == 0)
                {
                    await KillNode1Async();
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(Worker)));
        output.WriteLine($"attempts: {attempts.Count} for {Batches} batches; not 200: {string.Join(", ", attempts.Where(a => !a.EndsWith(":200", StringComparison.Ordinal)))}");
        Assert.Equal(1, killed);

        var rows = await cluster.QueryAsync($"SELECT inner_id FROM instruments WHERE unit_id = '{unit}' AND inner_id LIKE 'CL{run}-%'");
        var perBatch = rows.GroupBy(r => ((string)r[0]!).Split('-')[1]).ToDictionary(g => int.Parse(g.Key), g => g.Count());
        Assert.Equal(Batches, answers.Count);
        Assert.All(Enumerable.Range(0, Batches), b => Assert.Equal(PerBatch, perBatch.GetValueOrDefault(b)));
        // Every answer says its batch was created, once: a retried batch was either run once or replayed, never run twice.
        Assert.All(answers.Values, a => Assert.Equal(PerBatch, (int)a["created"]!));
        Assert.Equal(Batches * PerBatch, rows.Count);

        await cluster.ScriptAsync("restart", "1");
    }

    [Fact]
    public async Task An_import_whose_node_is_killed_mid_file_is_completed_by_the_other_node()
    {
        const int Rows = 50_000;
        var unit = await UnitAsync();
        var client = await cluster.AddClientAsync("catalog.write", unit);
        var token = await TokenAsync(cluster.Node(1), client);
        using var node1 = new HttpClient { BaseAddress = cluster.Node(1) };
        using var viaProxy = new HttpClient { BaseAddress = cluster.Url };
        node1.DefaultRequestHeaders.Authorization = viaProxy.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var prefix = $"CLI{Guid.NewGuid():N}"[..12];
        string[] header = ["资产编号", "仪器名称", "分类代码", "仪器类型", "原值(元)", "资金来源", "验收日期", "仪器状态", "共享模式", "所在地区代码", "产地国别"];
        var csv = new StringBuilder(string.Join(',', header) + "\r\n");
        for (var i = 0; i < Rows; i++) csv.Append($"{prefix}-{i:D5},场发射扫描电子显微镜,030122,通用,450000,财政,2025-09-01,正常,开放共享,330106,JP\r\n");

        using var upload = await Imports.ImportsTests.UploadAsync(node1, Encoding.UTF8.GetBytes(csv.ToString()), "instruments.csv", "instruments");
        Assert.True(upload.StatusCode == HttpStatusCode.Accepted, await upload.Content.ReadAsStringAsync());
        var id = upload.Headers.Location!.ToString().Split('/')[^1];
        // Node 1 takes it up at once (the lease is its); killed as soon as it is running, before its rows are written.
        string status;
        for (var deadline = DateTime.UtcNow.AddSeconds(60); ; await Task.Delay(20))
        {
            status = (string)(await cluster.QueryAsync($"SELECT status FROM imports WHERE id = '{id}'"))[0][0]!;
            if (status != "queued" || DateTime.UtcNow > deadline) break;
        }
        Assert.Equal("running", status);
        await KillNode1Async();
        Assert.Equal(0L, (long)(await cluster.QueryAsync($"SELECT COUNT(*) FROM instruments WHERE inner_id LIKE '{prefix}-%'"))[0][0]!);

        JsonNode report;
        for (var deadline = DateTime.UtcNow.AddMinutes(3); ; await Task.Delay(500))
        {
            report = JsonNode.Parse(await viaProxy.GetStringAsync($"/api/v1/imports/{id}"))!;
            if ((string)report["status"]! is "completed" or "failed") break;
            Assert.True(DateTime.UtcNow < deadline, $"the import was not taken over in 3 minutes: {report}");
        }
        Assert.Equal("completed", (string)report["status"]!);
        Assert.Equal(Rows, (int)report["accepted"]!);
        Assert.Equal((long)Rows, (long)(await cluster.QueryAsync($"SELECT COUNT(*) FROM instruments WHERE inner_id LIKE '{prefix}-%'"))[0][0]!);

        await cluster.ScriptAsync("restart", "1");
    }

    [Fact]
    public async Task The_sweep_runs_once_per_interval_across_both_nodes_and_on_the_survivor_when_its_node_dies()
    {
        const string Swept = "Supervision sweep: ";
        var interval = ClusterFixture.SweepInterval;
        var window = TimeSpan.FromSeconds(30);
        int Count(int node, DateTimeOffset from, DateTimeOffset to) => cluster.Logged(node, Swept).Count(t => t >= from && t < to);

        var from = DateTimeOffset.UtcNow;
        await Task.Delay(window);
        var to = DateTimeOffset.UtcNow;
        var both = Count(1, from, to) + Count(2, from, to);
        output.WriteLine($"sweeps in {window.TotalSeconds} s with two nodes: node 1 {Count(1, from, to)}, node 2 {Count(2, from, to)}");
        // Each node's timer ticks every interval: without the turn lease both would sweep each tick (~12 here). One
        // turn per 90% of the interval at most, plus one for the window's edges; a busy machine may delay turns, not add.
        Assert.InRange(both, 1, (int)(window / (interval * 0.9)) + 1);

        await KillNode1Async();
        var after = DateTimeOffset.UtcNow;
        await Task.Delay(window);
        output.WriteLine($"sweeps by node 2 in {window.TotalSeconds} s after node 1 died: {Count(2, after, DateTimeOffset.UtcNow)}");
        Assert.True(Count(2, after, DateTimeOffset.UtcNow) >= 2, "node 2 takes the turns once node 1 is gone");
        await cluster.ScriptAsync("restart", "1");
    }

    [Fact]
    public async Task A_peer_is_harvested_once_per_interval_across_both_nodes_and_by_the_survivor_when_its_holder_dies()
    {
        var interval = ClusterFixture.HarvestInterval;
        var window = TimeSpan.FromSeconds(30);
        var feed = $"/{ClusterFixture.Peer}/federation/changes/";
        List<(DateTime At, string Path)> Requests() => [.. cluster.Peers.Server.LogEntries
            .Where(e => e.RequestMessage.Path.StartsWith(feed, StringComparison.Ordinal))
            .Select(e => (e.RequestMessage.DateTime, e.RequestMessage.Path))];
        async Task<int> HolderAsync()
        {
            var holder = (string)(await cluster.QueryAsync($"SELECT holder FROM leases WHERE name = 'harvest-turn:{ClusterFixture.Peer}'"))
                .Select(r => r[0]).SingleOrDefault()!;
            return new[] { 1, 2 }.Single(i => holder?.Split('/')[1] == cluster.NodePid(i)?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        // A harvest asks the peer's feed once per set (each answers one empty, final page): count turns as requests / sets.
        for (var i = 0; i < 120 && Requests().Count == 0; i++) await Task.Delay(500);
        var sets = Requests().Select(r => r.Path).Distinct().Count();
        Assert.True(sets >= 3, $"the harvest asks every public set's feed; seen: {string.Join(", ", Requests().Select(r => r.Path).Distinct())}");
        var from = DateTime.UtcNow;
        await Task.Delay(window);
        var turns = Requests().Count(r => r.At >= from && r.At < DateTime.UtcNow) / (double)sets;
        output.WriteLine($"harvest turns in {window.TotalSeconds} s with two nodes: {turns} ({sets} sets)");
        // Each node ticks every interval: without the turn lease both would harvest each tick (~12 turns here).
        Assert.InRange(turns, 1, (int)(window / (interval * 0.9)) + 1);

        // Kill the node that has the turns: the other takes them over once the turn runs out.
        var holder = await HolderAsync();
        await cluster.ScriptAsync("kill", holder.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var after = DateTime.UtcNow;
        await Task.Delay(window);
        var survivorTurns = Requests().Count(r => r.At >= after) / (double)sets;
        output.WriteLine($"harvest turns in {window.TotalSeconds} s after node {holder} (the holder) died: {survivorTurns}");
        Assert.True(survivorTurns >= 2, $"the surviving node takes the harvest over ({survivorTurns} turns)");
        Assert.Equal(3 - holder, await HolderAsync());
        await cluster.ScriptAsync("restart", holder.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
