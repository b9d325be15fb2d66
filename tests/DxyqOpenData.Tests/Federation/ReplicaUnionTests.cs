using System.Net;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Federation;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;
using Microsoft.Extensions.DependencyInjection;

namespace DxyqOpenData.Tests.Federation;

/// <summary>
/// Replica mode as one query over this node's rows and the replicas (api/Federation/LocalCatalog.cs), checked
/// against live mode, which asks the real peers: after a harvest both must give the same rows in the same order, the
/// same counts and the same pages, for orders on numbers, strings, nullable instants and enumerations, with $skip,
/// $select and paging through nextLinks; a peer never harvested is <c>no-replica</c> and its rows are left out;
/// restricted properties stay unreadable and unfilterable.
/// </summary>
public sealed class ReplicaUnionTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Replica_pages_are_the_live_pages(DatabaseProvider zjProvider)
    {
        await using var nodes = await Nodes.StartAsync(zjProvider);
        var (zj, http) = (nodes.Zj, nodes.Http);

        string[] queries =
        [
            "Instruments?$orderby=priceCny desc&$top=230&$count=true",
            "Instruments?$orderby=name,priceCny desc&$skip=13&$top=150&$select=id,name,priceCny",
            "Instruments?$orderby=onboardedAt desc&$top=120&$count=true&$select=id,onboardedAt",
            "Instruments?$orderby=lastSeenAt&$top=120&$select=lastSeenAt,runState,id",
            "Instruments?$filter=priceCny ge 500000&$orderby=runState desc,acceptanceDate&$skip=7&$top=110&$count=true",
            "Instruments?$skip=40&$top=130",
            "ServiceOfferings?$orderby=instrumentId desc&$top=120&$count=true",
            "Datasets?$orderby=title&$top=105&$count=true&$select=title,id",
        ];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var replica0ZjShare = 0;
        foreach (var query in queries)
        {
            var live = await AllPagesAsync(http, $"/federation/odata/{query}");
            var replica = await AllPagesAsync(http, $"/federation/odata/{query}&mode=replica");
            if (query == queries[0])
            {
                replica0ZjShare = replica.Rows.Take(50).Count(r => r.Key.StartsWith("ZJ", StringComparison.Ordinal));
            }
            Assert.True(live.Rows.Count > 100, $"{query}: only {live.Rows.Count} rows, the query must page");
            Assert.True(live.Pages > 1 && replica.Pages == live.Pages, $"{query}: {live.Pages} live pages, {replica.Pages} replica pages");
            Assert.Equal(live.Count, replica.Count);
            Assert.Equal(live.Rows.Select(r => r.Key), replica.Rows.Select(r => r.Key));
            if (zjProvider == DatabaseProvider.Sqlite)
            {
                // The values are the peers' own (a PostgreSQL replica keeps instants to the microsecond, SQLite peers to the tick).
                Assert.Equal(live.Rows.Select(r => r.Values), replica.Rows.Select(r => r.Values));
            }
            Assert.Equal(["ZJ", "SH", "JS", "AH"], replica.Sources.Select(s => s["node"]!.GetValue<string>()));
            Assert.Equal(["ok", "ok", "ok", "no-replica"], replica.Sources.Select(s => s["status"]!.GetValue<string>()));
            Assert.Null(replica.Sources[3]["count"]);
            Assert.Null(replica.Sources[0]["replicaAgeSeconds"]);
            Assert.True(replica.Sources[1]["replicaAgeSeconds"]!.GetValue<long>() >= 0);
            seen.UnionWith(replica.Rows.Select(r => r.Key[..2]));
            Assert.DoesNotContain("contactPhone", replica.Body);
            Assert.DoesNotContain("contactEmail", replica.Body);
        }
        Assert.Equal(["JS", "SH", "ZJ"], seen.Order(StringComparer.Ordinal));

        // The peers' parts are memoized until the next harvest (the keys of their windows, and the whole rows read so
        // far); this node's own part never is. Its 100 dearest instruments become the cheapest: the same query again
        // takes more of each peer's memoized window than before, and must still answer what live mode answers.
        await zj.RowsAsync("UPDATE instruments SET price_fen = 30000000 WHERE id IN " +
                           "(SELECT id FROM instruments WHERE is_confidential = false ORDER BY price_fen DESC LIMIT 100)");
        var liveAgain = await AllPagesAsync(http, $"/federation/odata/{queries[0]}");
        var replicaAgain = await AllPagesAsync(http, $"/federation/odata/{queries[0]}&mode=replica");
        Assert.Equal(liveAgain.Count, replicaAgain.Count);
        Assert.Equal(liveAgain.Rows.Select(r => r.Key), replicaAgain.Rows.Select(r => r.Key));
        Assert.True(replicaAgain.Rows.Take(50).Count(r => r.Key.StartsWith("ZJ", StringComparison.Ordinal))
                    < replica0ZjShare, "this node's share of the first rows should have fallen");
    }

    [Fact]
    public async Task Replica_mode_keeps_restricted_properties_out_and_its_links_sealed()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Node:Code"] = "ZJ", ["Federation:Harvest:Enabled"] = "false",
            ["Federation:Peers:0:Code"] = "SH", ["Federation:Peers:0:BaseUrl"] = "http://127.0.0.1:9/",
            ["Federation:Peers:0:ClientId"] = "none", ["Federation:Peers:0:ClientSecret"] = "none",
        };
        using var zj = new NodeFactory(DatabaseProvider.Sqlite, settings);
        var http = zj.CreateClient();

        foreach (var bad in new[]
        {
            "$filter=contactPhone eq '13800000000'", "$select=name,contactEmail", "$orderby=contactPhone", "$filter=startswith(contactEmail,'a')",
            "$expand=unit", "$filter=nosuch eq 1", "$top=1001", "$apply=groupby((categoryCode))",
        })
        {
            var response = await http.GetAsync($"/federation/odata/Instruments?mode=replica&{bad}");
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{bad}: {(int)response.StatusCode} {body}");
            Assert.Contains("urn:dxyq:problem:validation", body);
        }

        // SH never harvested: no-replica, and this node's rows alone, paged through signed links.
        var first = JsonNode.Parse(await http.GetStringAsync("/federation/odata/Instruments?mode=replica&$count=true&$orderby=name&$top=150"))!;
        Assert.Equal(["ok", "no-replica"], first["sources"]!.AsArray().Select(s => s!["status"]!.GetValue<string>()));
        Assert.Null(first["sources"]![0]!["replicaAgeSeconds"]);
        var next = first["@odata.nextLink"]!.GetValue<string>();
        var local = JsonNode.Parse(await http.GetStringAsync("/odata/Instruments?$count=true&$orderby=name,id&$top=150&$select=id"))!;
        var localNext = JsonNode.Parse(await http.GetStringAsync(local["@odata.nextLink"]!.GetValue<string>()))!;
        Assert.Equal(local["@odata.count"]!.GetValue<long>(), first["@odata.count"]!.GetValue<long>());
        var second = JsonNode.Parse(await http.GetStringAsync(next))!;
        Assert.Null(second["@odata.nextLink"]);
        Assert.Equal(local["value"]!.AsArray().Concat(localNext["value"]!.AsArray()).Select(v => v!["id"]!.GetValue<string>()),
            first["value"]!.AsArray().Concat(second["value"]!.AsArray()).Select(v => v!["id"]!.GetValue<string>()));
        Assert.All(first["value"]!.AsArray(), v => Assert.Equal("ZJ", v!["node"]!.GetValue<string>()));
        Assert.DoesNotContain("contactPhone", first.ToJsonString());

        var token = next[(next.IndexOf("$skiptoken=", StringComparison.Ordinal) + "$skiptoken=".Length)..];
        foreach (var changed in new[]
        {
            next + "&mode=live",
            next.Replace(token, token[..^2] + (token[^1] == 'A' ? "BB" : "AA"), StringComparison.Ordinal),
            next.Replace("/Instruments?", "/Datasets?", StringComparison.Ordinal),
        })
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync(changed)).StatusCode);
        }
    }

    /// <summary>SH and JS (SQLite, on Kestrel, their own demo data), ZJ on the given database asking them, and AH never reachable; harvested once.</summary>
    private sealed class Nodes : IAsyncDisposable
    {
        public required NodeFactory Sh { get; init; }
        public required NodeFactory Js { get; init; }
        public required NodeFactory Zj { get; init; }
        public required HttpClient Http { get; init; }
        public required HttpClient Admin { get; init; }

        public static async Task<Nodes> StartAsync(DatabaseProvider zjProvider, Dictionary<string, string?>? extra = null)
        {
            var sh = ThreeNodeTests.OnKestrel(new NodeFactory(DatabaseProvider.Sqlite, new Dictionary<string, string?> { ["Node:Code"] = "SH", ["Demo:Seed"] = "2" }));
            var js = ThreeNodeTests.OnKestrel(new NodeFactory(DatabaseProvider.Sqlite, new Dictionary<string, string?> { ["Node:Code"] = "JS", ["Demo:Seed"] = "3" }));
            var settings = new Dictionary<string, string?> { ["Node:Code"] = "ZJ", ["Federation:Harvest:Enabled"] = "false" };
            foreach (var (i, code, node) in new[] { (0, "SH", sh), (1, "JS", js) })
            {
                var client = await node.AddClientAsync("federation", name: "浙江节点");
                settings[$"Federation:Peers:{i}:Code"] = code;
                settings[$"Federation:Peers:{i}:BaseUrl"] = ThreeNodeTests.Address(node);
                settings[$"Federation:Peers:{i}:ClientId"] = client.ClientId;
                settings[$"Federation:Peers:{i}:ClientSecret"] = client.ClientSecret;
                // Generous: a loaded machine must not turn a live peer into a "timeout" these tests do not test.
                settings[$"Federation:Peers:{i}:Timeout"] = "00:00:15";
            }
            // AH: configured, never reachable, so never harvested.
            settings["Federation:Peers:2:Code"] = "AH";
            settings["Federation:Peers:2:BaseUrl"] = "http://127.0.0.1:9/";
            settings["Federation:Peers:2:ClientId"] = "none";
            settings["Federation:Peers:2:ClientSecret"] = "none";
            settings["Federation:Peers:2:Timeout"] = "00:00:01";
            foreach (var (key, value) in extra ?? [])
            {
                settings[key] = value;
            }
            var zj = new NodeFactory(zjProvider, settings);
            var http = zj.CreateClient();
            var admin = zj.WithToken(await http.TokenAsync(await zj.AddClientAsync("admin"), "admin"));
            var harvest = await admin.PostAsync("/federation/harvest", null);
            Assert.Equal(HttpStatusCode.OK, harvest.StatusCode);
            return new Nodes { Sh = sh, Js = js, Zj = zj, Http = http, Admin = admin };
        }

        public ValueTask DisposeAsync()
        {
            Zj.Dispose();
            Js.Dispose();
            Sh.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private sealed record Row(string Key, string Values);

    private sealed record Answer(string Body, long? Count, List<Row> Rows, List<JsonObject> Sources, int Pages);

    /// <summary>Every page of a federated query, as node:id with the row's values (less the node), and the first page's count and sources.</summary>
    private static async Task<Answer> AllPagesAsync(HttpClient http, string url)
    {
        var rows = new List<Row>();
        var body = "";
        JsonNode? first = null;
        var pages = 0;
        for (string? next = url; next is not null; pages++)
        {
            var response = await http.GetAsync(next);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{next}: {text}");
            body += text;
            var page = JsonNode.Parse(text)!;
            first ??= page;
            foreach (var item in page["value"]!.AsArray())
            {
                var row = item!.AsObject();
                var node = row["node"]!.GetValue<string>();
                row.Remove("node");
                row.Remove("@odata.etag");
                rows.Add(new Row($"{node}:{row["id"]}", row.ToJsonString()));
            }
            next = page["@odata.nextLink"]?.GetValue<string>();
        }
        return new Answer(body, first!["@odata.count"]?.GetValue<long>(), rows, first["sources"]!.AsArray().Select(s => s!.AsObject()).ToList(), pages);
    }
}
