using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Security;
using DxyqOpenData.Tests.Sensors;
using Npgsql;
using Xunit.Abstractions;

namespace DxyqOpenData.Tests.Cluster;

/// <summary>
/// Several nodes, one database (issue 18): two nodes behind HAProxy on one PostgreSQL answer any request whichever node
/// it reaches — a token from one works on the other, an Idempotency-Key is replayed by the other — and pushes spread
/// over both survive one node killed mid-stream: every batch lands whole, none twice.
/// </summary>
[Collection(ClusterCollection.Name), Trait("Lane", "processes")]
public sealed class ClusterTests(ClusterFixture cluster, ITestOutputHelper output)
{
    private static JsonObject Instrument(string innerId) => new()
    {
        ["innerId"] = innerId, ["name"] = "场发射扫描电子显微镜", ["categoryCode"] = "020301", ["instrumentType"] = "general",
        ["priceCny"] = 450000m, ["fundingSource"] = "fiscal", ["acceptanceDate"] = "2026-01-05", ["status"] = "normal",
        ["shareMode"] = "open", ["regionCode"] = "330106", ["countryOfOrigin"] = "CN", ["manufacturer"] = "中科科仪",
    };

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

    /// <summary>
    /// The connection string given to <c>scripts/cluster --postgres</c> reaches the nodes as it is: its application name
    /// holds '&amp;' and '#', which the script's former sed replacement took as its own.
    /// </summary>
    [Fact]
    public async Task The_nodes_connect_with_the_connection_string_as_given()
    {
        using (var http = new HttpClient { BaseAddress = cluster.Url })
        {
            (await http.GetAsync("/odata/Units?$top=1")).EnsureSuccessStatusCode();
        }
        const string probe = "cluster-test-probe";
        var names = await NodeProcess.QueryAsync(DatabaseProvider.PostgreSql,
            new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { ApplicationName = probe }.ConnectionString,
            $"SELECT DISTINCT application_name FROM pg_stat_activity WHERE datname = current_database() AND application_name <> '{probe}'");
        Assert.Equal([ClusterFixture.ApplicationName], names.Select(r => (string?)r[0]).Where(n => n is { Length: > 0 }));
    }

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
                    await cluster.KillAsync(1);
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

        await cluster.RestartAsync(1);
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
        await cluster.KillAsync(1);
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

        await cluster.RestartAsync(1);
    }
}
