using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;

namespace DxyqOpenData.Tests.Federation;

/// <summary>
/// Federated queries of a ZJ node (SQLite, small demo data) with WireMock peers: faults give the right source status
/// within the timeout and never a 5xx; the merged order, $skip, $top and counts equal the same computation done here
/// over the union of every node's rows; nextLinks page through it and refuse tampering; circuits open and close.
/// </summary>
public sealed class FederationTests
{
    private static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan HealthyPeerTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A ZJ node asking <paramref name="codes"/>. <paramref name="timeout"/> is each peer's (default
    /// <see cref="PeerTimeout"/>, which the timing tests measure against); tests of the merge give healthy peers a
    /// generous one, so a loaded machine cannot turn a slow first answer into a "timeout" they do not test.
    /// </summary>
    private static NodeFactory Node(FakePeers peers, IEnumerable<string> codes, Dictionary<string, string?>? extra = null, TimeSpan? timeout = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Node:Code"] = "ZJ",
            ["Federation:BreakDuration"] = "00:00:01",
            ["Federation:CircuitMinimumThroughput"] = "2",
            ["Federation:MaxResponseBytes"] = "100000",
        };
        var i = 0;
        foreach (var code in codes)
        {
            settings[$"Federation:Peers:{i}:Code"] = code;
            settings[$"Federation:Peers:{i}:BaseUrl"] = peers.BaseUrl(code);
            settings[$"Federation:Peers:{i}:ClientId"] = "zj";
            settings[$"Federation:Peers:{i}:ClientSecret"] = "secret";
            settings[$"Federation:Peers:{i}:Timeout"] = (timeout ?? PeerTimeout).ToString();
            i++;
        }
        foreach (var (k, v) in extra ?? [])
        {
            settings[k] = v;
        }
        return new NodeFactory(DatabaseProvider.Sqlite, settings);
    }

    [Fact]
    public async Task Every_kind_of_failing_peer_gives_its_status_and_a_partial_answer_within_the_timeout()
    {
        using var peers = new FakePeers();
        var sh = PeerRows("SH", 12, new Random(1), []);
        peers.Healthy("SH", sh);
        peers.Faulty("SLOW", 200, """{"value":[]}""", delay: TimeSpan.FromSeconds(3));
        peers.Faulty("HANG", 200, """{"value":[]}""", delay: TimeSpan.FromSeconds(8));
        peers.Faulty("BOOM", 500, """{"error":"boom"}""");
        peers.Faulty("JUNK", 200, """{"value":[{"id":""");
        var huge = new JsonObject { ["value"] = new JsonArray(Enumerable.Range(0, 2000).Select(n => (JsonNode)new JsonObject { ["id"] = Guid.NewGuid().ToString(), ["name"] = new string('x', 100) }).ToArray()) };
        peers.Faulty("HUGE", 200, huge.ToJsonString());
        peers.Faulty("SHAPE", 200, """{"value":[1,2,3]}""");
        peers.Faulty("COUNT", 200, """{"@odata.count":"many","value":[]}""");
        peers.Faulty("ARRAY", 200, """[{"id":"x"}]""");
        // Valid JSON, but which "name" would count? Not trusted.
        peers.Faulty("DUPE", 200, """{"value":[{"id":"00000000-0000-0000-0000-000000000001","name":"a","name":"b"}]}""");
        peers.Faulty("DENY", 401, """{"error":"invalid_token"}""");
        peers.Token("NOKEY", status: 400);
        peers.Token("TOKHANG", delay: TimeSpan.FromSeconds(8));
        string[] codes = ["SH", "SLOW", "HANG", "BOOM", "JUNK", "HUGE", "SHAPE", "COUNT", "ARRAY", "DUPE", "DENY", "NOKEY", "TOKHANG"];
        using var node = Node(peers, codes);
        var http = node.CreateClient();
        await http.GetAsync("/health/live"); // started, demo data loaded

        var watch = Stopwatch.StartNew();
        var response = await http.GetAsync("/federation/odata/Instruments?$select=id,name&$top=5&$count=true");
        watch.Stop();
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.True(watch.Elapsed < PeerTimeout + TimeSpan.FromSeconds(4), $"took {watch.Elapsed}");
        var json = JsonNode.Parse(body)!;
        var status = json["sources"]!.AsArray().ToDictionary(s => s!["node"]!.GetValue<string>(), s => s!["status"]!.GetValue<string>());
        var expectedStatus = new Dictionary<string, string>
        {
            ["ZJ"] = "ok", ["SH"] = "ok", ["SLOW"] = "timeout", ["HANG"] = "timeout", ["BOOM"] = "error", ["JUNK"] = "error",
            ["HUGE"] = "error", ["SHAPE"] = "error", ["COUNT"] = "error", ["ARRAY"] = "error", ["DUPE"] = "error", ["DENY"] = "unauthorized",
            ["NOKEY"] = "unauthorized", ["TOKHANG"] = "timeout",
        };
        Assert.True(expectedStatus.OrderBy(p => p.Key).SequenceEqual(status.OrderBy(p => p.Key)), body);
        foreach (var source in json["sources"]!.AsArray())
        {
            Assert.True(source!["ms"]!.GetValue<long>() < PeerTimeout.TotalMilliseconds + 3000, source.ToJsonString());
        }
        var zjCount = json["sources"]!.AsArray().Single(s => s!["node"]!.GetValue<string>() == "ZJ")!["count"]!.GetValue<long>();
        Assert.Equal(zjCount + sh.Count, json["@odata.count"]!.GetValue<long>());
        Assert.Equal(5, json["value"]!.AsArray().Count);

        var health = JsonNode.Parse(await http.GetStringAsync("/federation/peers"))!;
        Assert.Equal("ZJ", health["node"]!.GetValue<string>());
        var peerHealth = health["peers"]!.AsArray().ToDictionary(p => p!["node"]!.GetValue<string>());
        Assert.NotNull(peerHealth["SH"]!["lastSuccessAt"]);
        Assert.Equal(0, peerHealth["SH"]!["failures"]!.GetValue<long>());
        Assert.Equal(1, peerHealth["BOOM"]!["failures"]!.GetValue<long>());
        Assert.Equal("error", peerHealth["BOOM"]!["lastStatus"]!.GetValue<string>());
    }

    [Fact]
    public async Task Merged_order_skip_top_and_count_equal_the_same_computation_over_the_union()
    {
        using var peers = new FakePeers();
        using var node = Node(peers, ["SH", "JS"], timeout: HealthyPeerTimeout);
        var http = node.CreateClient();
        var local = await LocalRowsAsync(http);
        Assert.True(local.Count > 10, $"only {local.Count} local instruments");
        var random = new Random(5);
        var sh = PeerRows("SH", 140, random, local);
        var js = PeerRows("JS", 37, random, local);
        peers.Healthy("SH", sh);
        peers.Healthy("JS", js);
        var union = local.Select(r => (Node: "ZJ", Row: r)).Concat(sh.Select(r => (Node: "SH", Row: r))).Concat(js.Select(r => (Node: "JS", Row: r))).ToList();

        foreach (var (orderBy, skip, top) in new (string?, int?, int?)[]
        {
            ("priceCny desc", null, 30), ("priceCny desc", 57, 40), ("name,acceptanceDate desc", 5, 100), ("acceptanceDate", 0, 250),
            (null, 20, 50), ("priceCny", 180, 7), ("name desc", null, null),
        })
        {
            var expected = Expected(union, orderBy).Skip(skip ?? 0).Take(top ?? int.MaxValue).ToList();
            var query = new List<string> { "$count=true", "$select=id,name,priceCny,acceptanceDate" };
            if (orderBy is not null) query.Add($"$orderby={Uri.EscapeDataString(orderBy)}");
            if (skip is not null) query.Add($"$skip={skip}");
            if (top is not null) query.Add($"$top={top}");
            var (rows, count, pages) = await FollowAsync(http, "/federation/odata/Instruments?" + string.Join("&", query));
            Assert.Equal(union.Count, count);
            Assert.Equal(expected.Select(e => $"{e.Node}:{e.Row["id"]}"), rows.Select(r => $"{r["node"]}:{r["id"]}"));
            Assert.Equal((expected.Count + 99) / 100 is 0 ? 1 : (expected.Count + 99) / 100, pages);
        }

        // $select is honoured: the properties added for the merge (the order's and the key) are not in the items.
        var selected = JsonNode.Parse(await http.GetStringAsync("/federation/odata/Instruments?$select=name,priceCny&$orderby=acceptanceDate&$top=20"))!;
        Assert.All(selected["value"]!.AsArray(), item =>
            Assert.Equal(["name", "priceCny", "node"], item!.AsObject().Select(p => p.Key).ToArray()));
    }

    [Fact]
    public async Task A_tampered_or_foreign_nextLink_and_bad_queries_are_400_and_other_sets_404()
    {
        using var peers = new FakePeers();
        peers.Healthy("SH", PeerRows("SH", 150, new Random(3), []));
        using var node = Node(peers, ["SH"]);
        var http = node.CreateClient();
        var first = JsonNode.Parse(await http.GetStringAsync("/federation/odata/Instruments?$select=id&$orderby=priceCny"))!;
        var next = first["@odata.nextLink"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(next)).StatusCode);

        var token = Uri.UnescapeDataString(next[(next.IndexOf("$skiptoken=", StringComparison.Ordinal) + 11)..]);
        var payload = token[..token.IndexOf('.')];
        var changed = (payload[5] == 'A' ? 'B' : 'A');
        var tampered = payload[..5] + changed + payload[6..] + token[token.IndexOf('.')..];
        var foreignKey = System.Text.Encoding.UTF8.GetBytes("someone else's key");
        var foreign = DxyqOpenData.Federation.NextLinks.Seal(
            DxyqOpenData.Federation.NextLinks.Open(token, OptionsOf(node).LinkKeyBytes) with { Positions = new() { ["ZJ"] = 0 } }, foreignKey);
        foreach (var bad in new[]
        {
            $"/federation/odata/Instruments?$skiptoken={Uri.EscapeDataString(tampered)}",
            $"/federation/odata/Instruments?$skiptoken={Uri.EscapeDataString(foreign)}",
            $"/federation/odata/Instruments?$skiptoken=garbage",
            $"/federation/odata/Datasets?$skiptoken={Uri.EscapeDataString(token)}",
            $"/federation/odata/Instruments?$skiptoken={Uri.EscapeDataString(token)}&$top=3",
            "/federation/odata/Instruments?$apply=groupby((regionCode))",
            "/federation/odata/Instruments?$top=1001",
            "/federation/odata/Instruments?$filter=nonsense eq 1",
            "/federation/odata/Instruments?$orderby=unit/name",
            // Refused by this node's own /odata (it was a 500 there, and here): passed on as the query's fault.
            "/federation/odata/Instruments?$filter=priceCny gt 1e400",
            "/federation/odata/Instruments?$expand=$ref",
            "/federation/odata/Instruments?$filter=contactPhone eq '1'",
            "/federation/odata/ServiceOfferings?$expand=instrument($select=contactEmail)",
        })
        {
            var response = await http.GetAsync(bad);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{bad}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        foreach (var missing in new[] { "/federation/odata/ServiceRecords", "/federation/odata/Alerts", "/federation/odata/Units" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(missing)).StatusCode);
        }
    }

    [Fact]
    public async Task A_hanging_peers_circuit_opens_too()
    {
        using var peers = new FakePeers();
        peers.Faulty("SH", 200, """{"value":[]}""", delay: TimeSpan.FromSeconds(6));
        using var node = Node(peers, ["SH"]);
        var http = node.CreateClient();
        var seen = new List<string>();
        for (var i = 0; i < 5 && !seen.Contains("circuit-open"); i++)
        {
            seen.Add(await StatusOfAsync(http, "SH"));
        }
        Assert.Equal("timeout", seen[0]);
        Assert.Equal("circuit-open", seen[^1]);
    }

    [Fact]
    public async Task A_failing_peers_circuit_opens_and_closes_after_the_break()
    {
        using var peers = new FakePeers();
        peers.Faulty("SH", 500, """{"error":"down"}""");
        using var node = Node(peers, ["SH"]);
        var http = node.CreateClient();

        var seen = new List<string>();
        for (var i = 0; i < 5 && !seen.Contains("circuit-open"); i++)
        {
            seen.Add(await StatusOfAsync(http, "SH"));
        }
        Assert.Equal("error", seen[0]);
        Assert.Equal("circuit-open", seen[^1]);
        Assert.Equal("open", await CircuitAsync(http, "SH"));

        peers.Server.ResetMappings();
        peers.Healthy("SH", PeerRows("SH", 5, new Random(9), []));
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Equal("ok", await StatusOfAsync(http, "SH"));
        Assert.Equal("closed", await CircuitAsync(http, "SH"));
    }

    private static DxyqOpenData.Federation.FederationOptions OptionsOf(NodeFactory node) =>
        (DxyqOpenData.Federation.FederationOptions)node.Services.GetService(typeof(DxyqOpenData.Federation.FederationOptions))!;

    private static async Task<string> StatusOfAsync(HttpClient http, string code)
    {
        var response = await http.GetAsync("/federation/odata/Instruments?$top=2&$select=id");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return json["sources"]!.AsArray().Single(s => s!["node"]!.GetValue<string>() == code)!["status"]!.GetValue<string>();
    }

    private static async Task<string> CircuitAsync(HttpClient http, string code) =>
        JsonNode.Parse(await http.GetStringAsync("/federation/peers"))!["peers"]!.AsArray()
            .Single(p => p!["node"]!.GetValue<string>() == code)!["circuit"]!.GetValue<string>();

    /// <summary>Every page from <paramref name="url"/> on, following nextLinks: the items, the count, the number of pages.</summary>
    private static async Task<(List<JsonObject> Rows, long? Count, int Pages)> FollowAsync(HttpClient http, string url)
    {
        var rows = new List<JsonObject>();
        long? count = null;
        var pages = 0;
        for (string? next = url; next is not null; pages++)
        {
            var response = await http.GetAsync(next);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            var json = JsonNode.Parse(body)!;
            Assert.All(json["sources"]!.AsArray(), s => Assert.Equal("ok", s!["status"]!.GetValue<string>()));
            count ??= json["@odata.count"]?.GetValue<long>();
            rows.AddRange(json["value"]!.AsArray().Select(v => v!.AsObject()));
            next = json["@odata.nextLink"]?.GetValue<string>();
            Assert.True(pages < 100, "too many pages");
        }
        return (rows, count, pages);
    }

    private static async Task<List<JsonObject>> LocalRowsAsync(HttpClient http)
    {
        var rows = new List<JsonObject>();
        for (string? next = "/odata/Instruments?$select=id,name,priceCny,acceptanceDate"; next is not null;)
        {
            var json = JsonNode.Parse(await http.GetStringAsync(next))!;
            rows.AddRange(json["value"]!.AsArray().Select(v => v!.AsObject()));
            next = json["@odata.nextLink"]?.GetValue<string>();
        }
        return rows;
    }

    /// <summary>The union sorted by the $orderby values (numbers as numbers, strings ordinally), then node, then id.</summary>
    private static IEnumerable<(string Node, JsonObject Row)> Expected(List<(string Node, JsonObject Row)> union, string? orderBy)
    {
        var clauses = orderBy is null ? [] : orderBy.Split(',').Select(c => c.Split(' ')).Select(p => (p[0], p.Length > 1 && p[1] == "desc")).ToList();
        var sorted = union.ToList();
        sorted.Sort((a, b) =>
        {
            foreach (var (property, descending) in clauses)
            {
                var c = CompareValues(a.Row[property], b.Row[property]);
                if (c != 0)
                {
                    return descending ? -c : c;
                }
            }
            var byNode = string.CompareOrdinal(a.Node, b.Node);
            return byNode != 0 ? byNode : CompareValues(a.Row["id"], b.Row["id"]);
        });
        return sorted;
    }

    internal static int CompareValues(JsonNode? a, JsonNode? b)
    {
        if (a is null || b is null)
        {
            return (a is null ? 0 : 1) - (b is null ? 0 : 1);
        }
        return a.GetValueKind() == JsonValueKind.Number
            ? a.GetValue<decimal>().CompareTo(b.GetValue<decimal>())
            : string.CompareOrdinal(a.GetValue<string>().ToLowerInvariant(), b.GetValue<string>().ToLowerInvariant());
    }

    /// <summary>Rows of a peer; with local rows given, prices, names and dates partly copied from them (ties across nodes).</summary>
    private static List<JsonObject> PeerRows(string code, int n, Random random, IReadOnlyList<JsonObject> local) =>
        Enumerable.Range(0, n).Select(i =>
        {
            var twin = local.Count > 0 && random.Next(3) == 0 ? local[random.Next(local.Count)] : null;
            var bytes = new byte[16];
            random.NextBytes(bytes);
            return new JsonObject
            {
                ["id"] = new Guid(bytes).ToString(),
                ["name"] = twin?["name"]?.GetValue<string>() ?? $"{code} 仪器 {random.Next(50):00}",
                ["priceCny"] = twin?["priceCny"]?.GetValue<decimal>() ?? Math.Round((decimal)random.Next(300_000, 9_000_000) + random.Next(100) / 100m, 2),
                ["acceptanceDate"] = twin?["acceptanceDate"]?.GetValue<string>()
                    ?? new DateOnly(2015, 1, 1).AddDays(random.Next(3650)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            };
        }).ToList();
}
