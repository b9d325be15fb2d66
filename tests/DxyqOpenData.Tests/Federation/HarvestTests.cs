using System.Net;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;

namespace DxyqOpenData.Tests.Federation;

/// <summary>
/// The harvester against peers played by WireMock: what a peer sends is shape-checked and size-limited before any of it
/// is stored; a bad page leaves the replica and the cursor as they were; contacts a peer sends anyway are never stored.
/// </summary>
public sealed class HarvestTests
{
    private const string Empty = """{"changes":[],"cursor":"c0","more":false}""";

    [Fact]
    public async Task A_peer_that_sends_a_bad_page_leaves_its_replica_as_it_was_and_a_good_one_is_stored()
    {
        using var peers = new FakePeers();
        string[] bad = ["NOTJSON", "SHAPE", "TOOMANY", "TWICE", "OP", "MOREEMPTY", "MISSING", "ENUM", "LONG", "HUGE", "DUPLICATE", "DOWN"];
        var settings = new Dictionary<string, string?> { ["Node:Code"] = "ZJ", ["Federation:Harvest:PageSize"] = "3", ["Federation:Harvest:MaxResponseBytes"] = "20000" };
        var codes = new[] { "GOOD" }.Concat(bad).ToList();
        for (var i = 0; i < codes.Count; i++)
        {
            settings[$"Federation:Peers:{i}:Code"] = codes[i];
            settings[$"Federation:Peers:{i}:BaseUrl"] = peers.BaseUrl(codes[i]);
            settings[$"Federation:Peers:{i}:ClientId"] = "zj";
            settings[$"Federation:Peers:{i}:ClientSecret"] = "secret";
            // Twelve peers at once on a busy 2-core CI machine: the checks, not the clock, are under test.
            settings[$"Federation:Peers:{i}:Timeout"] = "00:00:15";
        }
        using var zj = new NodeFactory(DatabaseProvider.Sqlite, settings);
        var http = zj.CreateClient();

        // Real rows, in the feed's own form: this node's first three instruments.
        var self = zj.WithToken(await http.TokenAsync(await zj.AddClientAsync("federation"), "federation"));
        var page = JsonNode.Parse(await self.GetStringAsync("/federation/changes/Instruments?max=3"))!.AsObject();
        var changes = page["changes"]!.AsArray();
        Assert.Equal(3, changes.Count);
        page["more"] = false;
        changes[0]!["row"]!["contactPhone"] = "0571-12345678";
        string Variant(Action<JsonObject> change)
        {
            var copy = page.DeepClone().AsObject();
            change(copy);
            return copy.ToJsonString();
        }
        JsonObject Row(JsonObject p, int i) => p["changes"]![i]!["row"]!.AsObject();

        foreach (var code in codes)
        {
            peers.Token(code);
            foreach (var set in new[] { "Datasets", "ServiceOfferings" })
            {
                peers.Feed(code, set, Empty);
            }
        }
        peers.Feed("GOOD", "Instruments", page.ToJsonString());
        peers.Feed("NOTJSON", "Instruments", """{"changes":[""");
        peers.Feed("SHAPE", "Instruments", """{"changes":{},"cursor":"c1","more":false}""");
        peers.Feed("TOOMANY", "Instruments", Variant(p => p["changes"]!.AsArray().Add(p["changes"]![0]!.DeepClone())));
        peers.Feed("TWICE", "Instruments", Variant(p => p["changes"]![1]!["id"] = p["changes"]![0]!["id"]!.GetValue<string>()));
        peers.Feed("OP", "Instruments", Variant(p => p["changes"]![1]!["op"] = "merge"));
        peers.Feed("MOREEMPTY", "Instruments", """{"changes":[],"cursor":"c1","more":true}""");
        peers.Feed("MISSING", "Instruments", Variant(p => Row(p, 2).Remove("name")));
        peers.Feed("ENUM", "Instruments", Variant(p => Row(p, 2)["status"] = "broken"));
        peers.Feed("LONG", "Instruments", Variant(p => Row(p, 2)["name"] = new string('仪', 201)));
        peers.Feed("HUGE", "Instruments", Variant(p => Row(p, 2)["technicalSpecs"] = new string('x', 30000)));
        // A row with "name" twice: which one would be stored?
        var text = page.ToJsonString();
        var name = text.IndexOf("\"name\":", StringComparison.Ordinal);
        peers.Feed("DUPLICATE", "Instruments", text[..name] + "\"name\":\"其他仪器\"," + text[name..]);
        peers.Feed("DOWN", "Instruments", """{"error":"boom"}""", status: 500);

        var admin = zj.WithToken(await http.TokenAsync(await zj.AddClientAsync("admin"), "admin"));
        var response = await admin.PostAsync("/federation/harvest", null);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var results = JsonNode.Parse(body)!.AsArray().ToDictionary(r => r!["node"]!.GetValue<string>(), r => r!.AsObject());
        Assert.True(results["GOOD"]["status"]!.GetValue<string>() == "ok", body);
        Assert.Equal(3, results["GOOD"]["changes"]!.GetValue<long>());
        foreach (var code in bad)
        {
            Assert.True(results[code]["status"]!.GetValue<string>() == "error", $"{code}: {body}");
            Assert.False(string.IsNullOrEmpty(results[code]["error"]?.GetValue<string>()), code);
        }

        // Nothing of a bad page was stored: no rows, no Instruments cursor; replica mode says no-replica for them.
        Assert.Equal(3L, await zj.ScalarAsync<long>("SELECT COUNT(*) FROM replica_instruments"));
        Assert.Equal(3L, await zj.ScalarAsync<long>("SELECT COUNT(*) FROM replica_instruments WHERE node = 'GOOD' AND contact_phone IS NULL"));
        Assert.Equal(0L, await zj.ScalarAsync<long>("SELECT COUNT(*) FROM replica_cursors WHERE entity_set = 'Instruments' AND node <> 'GOOD'"));
        var answer = JsonNode.Parse(await http.GetStringAsync("/federation/odata/Instruments?mode=replica&$count=true&$top=5&$orderby=priceCny desc"))!;
        var sources = answer["sources"]!.AsArray().ToDictionary(s => s!["node"]!.GetValue<string>(), s => s!.AsObject());
        Assert.Equal("ok", sources["GOOD"]["status"]!.GetValue<string>());
        Assert.Equal(3, sources["GOOD"]["count"]!.GetValue<long>());
        Assert.All(bad, code => Assert.Equal("no-replica", sources[code]["status"]!.GetValue<string>()));
        var local = sources["ZJ"]["count"]!.GetValue<long>();
        Assert.Equal(local + 3, answer["@odata.count"]!.GetValue<long>());

        // The replica rows are the peer's public columns, read back through OData like the local ones.
        var mine = JsonNode.Parse(await http.GetStringAsync($"/odata/Instruments?$filter=id eq {changes[0]!["id"]}"))!["value"]![0]!.AsObject();
        var theirs = JsonNode.Parse(await http.GetStringAsync($"/federation/odata/Instruments?mode=replica&$filter=id eq {changes[0]!["id"]}"))!["value"]!.AsArray()
            .Single(v => v!["node"]!.GetValue<string>() == "GOOD")!.AsObject();
        theirs.Remove("node");
        Assert.Equal(mine.Where(p => p.Key != "@odata.etag").Select(p => $"{p.Key}={p.Value?.ToJsonString()}").Order(),
            theirs.Where(p => p.Key != "@odata.etag").Select(p => $"{p.Key}={p.Value?.ToJsonString()}").Order());

        var peerView = JsonNode.Parse(await admin.GetStringAsync("/federation/peers"))!["peers"]!.AsArray()
            .ToDictionary(p => p!["node"]!.GetValue<string>(), p => p!.AsObject());
        Assert.Equal(3, peerView["GOOD"]["replicaRows"]!.GetValue<long>());
        Assert.NotNull(peerView["GOOD"]["replicaAgeSeconds"]);
        Assert.NotNull(peerView["GOOD"]["replica"]![0]!["cursor"]);
        Assert.NotNull(peerView["LONG"]["lastHarvestError"]);
        Assert.Null(peerView["LONG"]["replicaAgeSeconds"]);

        // Without an admin token: the same health, but no address, error text or cursor.
        var publicView = JsonNode.Parse(await http.GetStringAsync("/federation/peers"))!["peers"]!.AsArray()
            .ToDictionary(p => p!["node"]!.GetValue<string>(), p => p!.AsObject());
        Assert.Equal(3, publicView["GOOD"]["replicaRows"]!.GetValue<long>());
        Assert.NotNull(publicView["LONG"]["lastHarvestAt"]);
        Assert.All(publicView.Values, p =>
        {
            Assert.Null(p["baseUrl"]);
            Assert.Null(p["lastError"]);
            Assert.Null(p["lastHarvestError"]);
            Assert.All(p["replica"]!.AsArray(), s => Assert.Null(s!["cursor"]));
        });
        Assert.NotNull(peerView["LONG"]["baseUrl"]);
    }
}
