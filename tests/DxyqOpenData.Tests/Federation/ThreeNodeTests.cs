using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace DxyqOpenData.Tests.Federation;

/// <summary>
/// Three real nodes on Kestrel (SH and JS, each with its own region's demo data and a <c>federation</c> client
/// registered for ZJ; ZJ with them as peers): ZJ gets real tokens from them and merges their real answers — live, and
/// from the replicas it harvests through their change feeds; with a peer stopped; after a delete on a peer.
/// </summary>
public sealed class ThreeNodeTests
{
    private const string Filter = "priceCny ge 500000";

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Zj_merges_the_real_answers_of_sh_and_js_live_and_from_replicas(DatabaseProvider zjProvider)
    {
        using var sh = OnKestrel(new NodeFactory(DatabaseProvider.Sqlite, new Dictionary<string, string?> { ["Node:Code"] = "SH", ["Demo:Seed"] = "2" }));
        var js = OnKestrel(new NodeFactory(DatabaseProvider.Sqlite, new Dictionary<string, string?> { ["Node:Code"] = "JS", ["Demo:Seed"] = "3" }));
        try
        {
            var shClient = await sh.AddClientAsync("federation", name: "浙江节点");
            var jsClient = await js.AddClientAsync("federation", name: "浙江节点");

            var settings = new Dictionary<string, string?> { ["Node:Code"] = "ZJ" };
            foreach (var (i, code, node, client) in new[] { (0, "SH", sh, shClient), (1, "JS", js, jsClient) })
            {
                settings[$"Federation:Peers:{i}:Code"] = code;
                settings[$"Federation:Peers:{i}:BaseUrl"] = Address(node);
                settings[$"Federation:Peers:{i}:ClientId"] = client.ClientId;
                settings[$"Federation:Peers:{i}:ClientSecret"] = client.ClientSecret;
                // Generous: a loaded machine must not turn a live peer into a "timeout" these tests do not test.
                settings[$"Federation:Peers:{i}:Timeout"] = "00:00:15";
            }
            // Small pages, so harvesting pages through each feed.
            settings["Federation:Harvest:PageSize"] = "40";
            using var zj = new NodeFactory(zjProvider, settings);
            var http = zj.CreateClient();

            // The union, computed here from each node's own /odata.
            var nodes = new Dictionary<string, HttpClient> { ["ZJ"] = http, ["SH"] = sh.CreateClient(), ["JS"] = js.CreateClient() };
            var union = new List<(string Node, JsonObject Row)>();
            foreach (var (code, client) in nodes)
            {
                for (string? next = "/odata/Instruments?$select=id,priceCny"; next is not null;)
                {
                    var page = JsonNode.Parse(await client.GetStringAsync(next))!;
                    union.AddRange(page["value"]!.AsArray().Select(v => (code, v!.AsObject())));
                    next = page["@odata.nextLink"]?.GetValue<string>();
                }
            }
            var filtered = union.Where(r => r.Row["priceCny"]!.GetValue<decimal>() >= 500000m).ToList();
            var expected = filtered
                .OrderByDescending(r => r.Row["priceCny"]!.GetValue<decimal>())
                .ThenBy(r => r.Node, StringComparer.Ordinal)
                .ThenBy(r => r.Row["id"]!.GetValue<string>(), StringComparer.Ordinal)
                .Skip(30).Take(120).Select(r => $"{r.Node}:{r.Row["id"]}").ToList();
            Assert.True(expected.Count > 100, $"only {expected.Count} rows expected: the query must page");
            var query = $"$filter={Uri.EscapeDataString(Filter)}&$orderby=priceCny desc&$skip=30&$top=120&$count=true";

            var live = await QueryAsync(http, "/federation/odata/Instruments?" + query);
            Assert.All(live.Sources, s => Assert.True(s["status"]!.GetValue<string>() == "ok", s.ToJsonString()));
            Assert.Equal(filtered.Count, live.Count);
            Assert.Equal(expected, live.Rows);
            Assert.Equal(["JS", "SH", "ZJ"], live.Rows.Select(r => r[..2]).Distinct().Order(StringComparer.Ordinal));
            // The peers show contacts to a federation token; the federated answer (public) never does.
            var direct = await sh.WithToken(await sh.CreateClient().TokenAsync(shClient, "federation")).GetStringAsync("/odata/Instruments?$top=20");
            Assert.Contains("contactPhone", direct);
            Assert.DoesNotContain("contactPhone", live.Body);
            Assert.DoesNotContain("contactEmail", live.Body);

            var offerings = await http.GetStringAsync("/federation/odata/ServiceOfferings?$expand=instrument&$top=300");
            Assert.Contains("\"node\":\"SH\"", offerings);
            Assert.Contains("\"instrument\":{", offerings);
            Assert.DoesNotContain("contactPhone", offerings);
            Assert.DoesNotContain("contactEmail", offerings);

            // Before any harvest, replica mode answers with this node only, and says the peers have no replica yet.
            var before = await QueryAsync(http, "/federation/odata/Instruments?mode=replica&$count=true&$top=5");
            Assert.Equal(["ok", "no-replica", "no-replica"], before.Sources.Select(s => s["status"]!.GetValue<string>()));
            Assert.Equal(union.Count(r => r.Node == "ZJ"), before.Count);

            // A harvest, asked for by an administrator.
            var admin = zj.WithToken(await http.TokenAsync(await zj.AddClientAsync("admin"), "admin"));
            await HarvestAsync(admin, expectOk: ["SH", "JS"]);

            var replica = await QueryAsync(http, "/federation/odata/Instruments?mode=replica&" + query);
            Assert.All(replica.Sources, s => Assert.True(s["status"]!.GetValue<string>() == "ok", s.ToJsonString()));
            Assert.Equal(filtered.Count, replica.Count);
            Assert.Equal(expected, replica.Rows);
            Assert.All(replica.Sources.Where(s => s["node"]!.GetValue<string>() != "ZJ"), s => Assert.True(s["replicaAgeSeconds"]!.GetValue<long>() >= 0));
            Assert.DoesNotContain("contactPhone", replica.Body);
            foreach (var set in new[] { "ServiceOfferings", "Datasets" })
            {
                var liveCount = (await QueryAsync(http, $"/federation/odata/{set}?$count=true&$top=1")).Count;
                Assert.Equal(liveCount, (await QueryAsync(http, $"/federation/odata/{set}?$count=true&$top=1&mode=replica")).Count);
            }
            Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/federation/odata/Instruments?mode=cached")).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/federation/odata/ServiceOfferings?mode=replica&$expand=instrument")).StatusCode);

            var peers = JsonNode.Parse(await admin.GetStringAsync("/federation/peers"))!["peers"]!.AsArray();
            Assert.All(peers, p =>
            {
                Assert.Equal("closed", p!["circuit"]!.GetValue<string>());
                Assert.NotNull(p["lastSuccessAt"]);
                Assert.NotNull(p["lastHarvestSuccessAt"]);
                Assert.Null(p["lastHarvestError"]);
                Assert.True(p["replicaAgeSeconds"]!.GetValue<long>() >= 0);
                var code = p["node"]!.GetValue<string>();
                Assert.Equal(union.Count(r => r.Node == code), p["replica"]!.AsArray().Single(s => s!["set"]!.GetValue<string>() == "Instruments")!["rows"]!.GetValue<long>());
                Assert.All(p["replica"]!.AsArray(), s => Assert.NotNull(s!["cursor"]));
            });

            // A delete on SH: still in the replica until the next harvest, gone after it (its offerings too).
            var (unit, innerId, id) = await DeletableInstrumentAsync(sh);
            var shWriter = sh.WithToken(await sh.CreateClient().TokenAsync(await sh.AddClientAsync("catalog.write", unit), "catalog.write"));
            Assert.Equal(HttpStatusCode.NoContent, (await shWriter.DeleteAsync($"/api/v1/push/instruments/{Uri.EscapeDataString(innerId)}")).StatusCode);
            var one = $"/federation/odata/Instruments?mode=replica&$count=true&$filter=id eq {id}";
            Assert.Equal(1, (await QueryAsync(http, one)).Count);
            await HarvestAsync(admin, expectOk: ["SH", "JS"]);
            Assert.Equal(0, (await QueryAsync(http, one)).Count);
            Assert.Equal(0, (await QueryAsync(http, $"/federation/odata/ServiceOfferings?mode=replica&$count=true&$filter=instrumentId eq {id}")).Count);
            var shRows = union.Where(r => r.Node == "SH" && r.Row["id"]!.GetValue<string>() != id.ToString()).ToList();
            Assert.Equal(shRows.Count, (await QueryAsync(http, "/federation/odata/Instruments?mode=replica&$count=true&$top=1")).Sources
                .Single(s => s["node"]!.GetValue<string>() == "SH")["count"]!.GetValue<long>());

            // JS stops: live mode loses it, replica mode still answers with its rows (ok, with the replica's age).
            var jsCount = union.Count(r => r.Node == "JS");
            js.Dispose();
            var withoutJs = await QueryAsync(http, "/federation/odata/Instruments?$count=true&$top=1");
            Assert.NotEqual("ok", withoutJs.Sources.Single(s => s["node"]!.GetValue<string>() == "JS")["status"]!.GetValue<string>());
            var expectedAfter = filtered.Where(r => r.Row["id"]!.GetValue<string>() != id.ToString())
                .OrderByDescending(r => r.Row["priceCny"]!.GetValue<decimal>())
                .ThenBy(r => r.Node, StringComparer.Ordinal)
                .ThenBy(r => r.Row["id"]!.GetValue<string>(), StringComparer.Ordinal)
                .Skip(30).Take(120).Select(r => $"{r.Node}:{r.Row["id"]}").ToList();
            var stillThere = await QueryAsync(http, "/federation/odata/Instruments?mode=replica&" + query);
            Assert.All(stillThere.Sources, s => Assert.True(s["status"]!.GetValue<string>() == "ok", s.ToJsonString()));
            Assert.Equal(expectedAfter, stillThere.Rows);
            Assert.Equal(filtered.Count - 1, stillThere.Count);
            var jsSource = stillThere.Sources.Single(s => s["node"]!.GetValue<string>() == "JS");
            Assert.True(jsSource["replicaAgeSeconds"]!.GetValue<long>() >= 0);

            // A harvest with JS down: JS fails, its replica stays as it was.
            await HarvestAsync(admin, expectOk: ["SH"]);
            Assert.Equal(jsCount, (await QueryAsync(http, "/federation/odata/Instruments?mode=replica&$count=true&$top=1")).Sources
                .Single(s => s["node"]!.GetValue<string>() == "JS")["count"]!.GetValue<long>());
            var jsPeer = JsonNode.Parse(await admin.GetStringAsync("/federation/peers"))!["peers"]!.AsArray().Single(p => p!["node"]!.GetValue<string>() == "JS")!;
            Assert.NotNull(jsPeer["lastHarvestError"]);
            Assert.NotNull(jsPeer["lastHarvestSuccessAt"]);
        }
        finally
        {
            js.Dispose();
        }
    }

    private sealed record Answer(string Body, long? Count, List<string> Rows, List<JsonObject> Sources);

    /// <summary>All pages of a federated query (following nextLinks), as node:id, with the first page's count and sources.</summary>
    private static async Task<Answer> QueryAsync(HttpClient http, string url)
    {
        var response = await http.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var first = JsonNode.Parse(body)!;
        var rows = new List<string>();
        var all = body;
        for (var page = first; ; )
        {
            rows.AddRange(page["value"]!.AsArray().Select(v => $"{v!["node"]}:{v["id"]}"));
            if (page["@odata.nextLink"]?.GetValue<string>() is not { } next)
            {
                break;
            }
            var text = await http.GetStringAsync(next);
            all += text;
            page = JsonNode.Parse(text)!;
        }
        return new Answer(all, first["@odata.count"]?.GetValue<long>(), rows, first["sources"]!.AsArray().Select(s => s!.AsObject()).ToList());
    }

    private static async Task HarvestAsync(HttpClient admin, string[] expectOk)
    {
        var response = await admin.PostAsync("/federation/harvest", null);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var results = JsonNode.Parse(body)!.AsArray();
        foreach (var code in expectOk)
        {
            Assert.True(results.Single(r => r!["node"]!.GetValue<string>() == code)!["status"]!.GetValue<string>() == "ok", body);
        }
    }

    /// <summary>A public instrument of the node without service records (one a unit may delete), with its unit and key.</summary>
    private static async Task<(string Unit, string InnerId, Guid Id)> DeletableInstrumentAsync(NodeFactory node)
    {
        var rows = await node.RowsAsync("""
            SELECT i.unit_id, i.inner_id, i.id FROM instruments i
            WHERE i.is_confidential = false AND i.price_fen >= 50000000
              AND NOT EXISTS (SELECT 1 FROM service_records r WHERE r.instrument_id = i.id)
              AND EXISTS (SELECT 1 FROM service_offerings o WHERE o.instrument_id = i.id)
            ORDER BY i.inner_id LIMIT 1
            """);
        Assert.Single(rows);
        return (rows[0][0]!.ToString()!.Trim(), rows[0][1]!.ToString()!, Guid.Parse(rows[0][2]!.ToString()!));
    }

    internal static NodeFactory OnKestrel(NodeFactory node)
    {
        node.StartOnLoopback();
        return node;
    }

    internal static string Address(NodeFactory node) =>
        node.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single() + "/";
}
