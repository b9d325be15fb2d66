using System.Net;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Federation.Harvest;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;
using Microsoft.Extensions.DependencyInjection;

namespace DxyqOpenData.Tests.Federation;

/// <summary>
/// Replica mode as one query over this node's rows and the replicas (api/Federation/Harvest/ReplicaUnion.cs), checked
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

    /// <summary>
    /// Replica mode answers a part from memory (<c>ReplicaSnapshots</c>, <c>MemoryQuery</c>) when the query runs there
    /// exactly as in SQL: those answers must be the live answers too, and the other queries must not be answered from
    /// memory at all. Then the snapshots must follow changes: this node's at once (its change feed), a peer's after the
    /// harvest that brings them — answered in SQL until the new snapshot is read, from memory after.
    /// </summary>
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Parts_answered_from_memory_are_the_live_pages_and_follow_changes(DatabaseProvider zjProvider)
    {
        // No memo: every part is answered from memory or from SQL, never from an earlier answer.
        await using var nodes = await Nodes.StartAsync(zjProvider, new() { ["Federation:ReplicaMemo"] = "false" });
        var (zj, http) = (nodes.Zj, nodes.Http);
        var snapshots = zj.Services.GetRequiredService<ReplicaSnapshots>();
        // The first replica query of a set schedules the reads of its snapshots; until they are read it runs in SQL.
        foreach (var set in new[] { "Instruments", "ServiceOfferings", "Datasets" })
        {
            (await http.GetAsync($"/federation/odata/{set}?mode=replica&$top=1")).EnsureSuccessStatusCode();
        }
        await snapshots.BuildsAsync();

        string[] inMemory =
        [
            "Instruments?$filter=priceCny ge 500000 and acceptanceDate ge 2020-01-01&$orderby=priceCny desc&$top=120&$count=true",
            "Instruments?$filter=priceCny gt 400000.5 or isDomestic eq true&$orderby=acceptanceDate desc,priceCny&$skip=9&$top=150&$count=true",
            "Instruments?$filter=onboardedAt ne null and not (priceCny lt 800000)&$orderby=onboardedAt&$top=110&$count=true&$select=id,onboardedAt,priceCny",
            "Instruments?$filter=status in ('normal','idle') and latitude ne null&$orderby=latitude desc&$top=105&$count=true",
            "Instruments?$filter=purchaseDate eq null or purchaseDate lt 2019-06-01&$orderby=purchaseDate desc,priceCny&$top=120&$count=true",
            "Instruments?$orderby=lastSeenAt desc&$top=120&$select=id,lastSeenAt",
            "Instruments?$skip=20&$top=130&$count=true",
            "ServiceOfferings?$filter=feeCny le 2000 or bookable eq false&$orderby=feeCny desc,updatedAt&$top=120&$count=true",
            "Datasets?$filter=byteSize gt 1000000 or issued ge 2022-01-01&$orderby=issued,byteSize desc&$top=105&$count=true",
            "Instruments?$filter=status eq 'normal' or status ne 'idle' and priceCny lt 2000000&$orderby=priceCny,acceptanceDate desc&$top=120&$count=true",
        ];
        string[] inSql =
        [
            "Instruments?$orderby=name,priceCny desc&$top=120&$count=true",
            "Instruments?$filter=contains(model,'0')&$orderby=priceCny desc&$top=120&$count=true",
            "Instruments?$filter=year(acceptanceDate) ge 2021&$orderby=priceCny&$top=120&$count=true",
            "Instruments?$filter=priceCny ge 500000.005&$orderby=priceCny&$top=120&$count=true",
            "Instruments?$orderby=status,priceCny&$top=120&$count=true",
        ];
        foreach (var query in inMemory)
        {
            await SameAsLiveAsync(query, fromMemory: 3);
        }
        foreach (var query in inSql)
        {
            await SameAsLiveAsync(query, fromMemory: 0);
        }

        // Random queries of the kinds memory may answer (seeded, so a failure repeats): the same pages as live.
        var random = new Random(20261130);
        var fromMemoryBefore = snapshots.MemoryParts;
        for (var i = 0; i < 40; i++)
        {
            await SameAsLiveAsync(RandomQuery(random), fromMemory: -1);
        }
        Assert.True(snapshots.MemoryParts - fromMemoryBefore >= 40 * 3, $"{snapshots.MemoryParts - fromMemoryBefore} parts of 40 random queries from memory");

        // This node's rows change (prices, one leaves the public view, a dataset is deleted): the next query sees it,
        // still from memory.
        await zj.RowsAsync("UPDATE instruments SET price_fen = price_fen + 100000000 WHERE id IN " +
                           "(SELECT id FROM instruments WHERE is_confidential = false ORDER BY price_fen LIMIT 60)");
        await zj.RowsAsync("UPDATE instruments SET is_confidential = true WHERE id IN " +
                           "(SELECT id FROM instruments WHERE is_confidential = false ORDER BY price_fen DESC LIMIT 1)");
        await zj.RowsAsync("DELETE FROM datasets WHERE id IN (SELECT id FROM datasets ORDER BY issued DESC LIMIT 3)");
        await SameAsLiveAsync(inMemory[0], fromMemory: 3);
        await SameAsLiveAsync(inMemory[7], fromMemory: 3);
        await SameAsLiveAsync(inMemory[8], fromMemory: 3);

        // A sensor heartbeat moves only last_seen_at, which the change feed does not carry: this node's part reads its
        // rows from the table (so they show it), and is filtered or ordered by it in SQL.
        await zj.RowsAsync("UPDATE instruments SET last_seen_at = '2031-01-01 00:00:00' WHERE id IN " +
                           "(SELECT id FROM instruments WHERE is_confidential = false ORDER BY price_fen DESC LIMIT 1)");
        await SameAsLiveAsync("Instruments?$orderby=priceCny desc&$top=60&$count=true&$select=id,priceCny,lastSeenAt", fromMemory: 3);
        await SameAsLiveAsync("Instruments?$orderby=lastSeenAt desc&$top=60&$count=true&$select=id,lastSeenAt", fromMemory: 2);
        await SameAsLiveAsync("Instruments?$filter=lastSeenAt ge 2030-01-01T00:00:00Z or priceCny ge 3000000&$orderby=priceCny desc&$top=60&$count=true", fromMemory: 2);

        // A peer's rows change: before the harvest the replica answers what it had; after it, in SQL until the new
        // snapshot is read (the local part and JS's stay in memory), then from memory again.
        await nodes.Sh.RowsAsync("UPDATE instruments SET price_fen = price_fen + 200000000 WHERE id IN " +
                                 "(SELECT id FROM instruments WHERE is_confidential = false ORDER BY price_fen LIMIT 40)");
        await nodes.Sh.RowsAsync("UPDATE instruments SET is_confidential = true WHERE id IN " +
                                 "(SELECT id FROM instruments WHERE is_confidential = false ORDER BY price_fen DESC LIMIT 2)");
        Assert.Equal(HttpStatusCode.OK, (await nodes.Admin.PostAsync("/federation/harvest", null)).StatusCode);
        var before = snapshots.MemoryParts;
        await SameAsLiveAsync(inMemory[0], fromMemory: 2);
        await snapshots.BuildsAsync();
        await SameAsLiveAsync(inMemory[0], fromMemory: 3);
        Assert.True(snapshots.MemoryParts > before);

        async Task SameAsLiveAsync(string query, int fromMemory)
        {
            var parts = snapshots.MemoryParts;
            var live = await AllPagesAsync(http, $"/federation/odata/{query}");
            var replica = await AllPagesAsync(http, $"/federation/odata/{query}&mode=replica");
            var used = snapshots.MemoryParts - parts;
            Assert.True(fromMemory < 0 || live.Rows.Count > 50, $"{query}: only {live.Rows.Count} rows");
            Assert.Equal(live.Count, replica.Count);
            Assert.Equal(live.Rows.Select(r => r.Key), replica.Rows.Select(r => r.Key));
            if (zjProvider == DatabaseProvider.Sqlite)
            {
                Assert.Equal(live.Rows.Select(r => r.Values), replica.Rows.Select(r => r.Values));
            }
            Assert.Equal(["ok", "ok", "ok", "no-replica"], replica.Sources.Select(s => s["status"]!.GetValue<string>()));
            // The first request of the query asks every part; later pages ask only those that have more.
            if (fromMemory < 0)
            {
                return;
            }
            if (fromMemory == 0)
            {
                Assert.True(used == 0, $"{query}: {used} parts answered from memory, none expected");
            }
            else
            {
                Assert.True(used >= fromMemory, $"{query}: {used} parts answered from memory, at least {fromMemory} expected");
            }
        }
    }

    /// <summary>
    /// <c>Federation:ReplicaMemoryRows</c> bounds the rows held in memory: a set larger than the bound stays in SQL (and
    /// answers the same); with the default bound the same set is answered from memory.
    /// </summary>
    [Theory]
    [InlineData("50", false)]
    [InlineData(null, true)]
    public async Task A_set_larger_than_the_memory_bound_stays_in_SQL(string? bound, bool inMemory)
    {
        var settings = new Dictionary<string, string?> { ["Node:Code"] = "ZJ", ["Federation:Harvest:Enabled"] = "false" };
        if (bound is not null)
        {
            settings["Federation:ReplicaMemoryRows"] = bound;
        }
        using var zj = new NodeFactory(DatabaseProvider.Sqlite, settings);
        var http = zj.CreateClient();
        var snapshots = zj.Services.GetRequiredService<ReplicaSnapshots>();
        const string query = "$filter=priceCny ge 500000&$orderby=priceCny desc&$top=60&$count=true";
        (await http.GetAsync($"/federation/odata/Instruments?mode=replica&{query}")).EnsureSuccessStatusCode();
        await snapshots.BuildsAsync();

        var replica = JsonNode.Parse(await http.GetStringAsync($"/federation/odata/Instruments?mode=replica&{query}"))!;
        var local = JsonNode.Parse(await http.GetStringAsync($"/odata/Instruments?{query.Replace("priceCny desc", "priceCny desc,id", StringComparison.Ordinal)}&$select=id"))!;
        Assert.True(local["@odata.count"]!.GetValue<long>() > 50);
        Assert.Equal(local["@odata.count"]!.GetValue<long>(), replica["@odata.count"]!.GetValue<long>());
        Assert.Equal(local["value"]!.AsArray().Select(v => v!["id"]!.GetValue<string>()), replica["value"]!.AsArray().Select(v => v!["id"]!.GetValue<string>()));
        Assert.Equal(inMemory, snapshots.MemoryParts > 0);
    }

    /// <summary>
    /// A harvest that changes a peer's replica makes its snapshot be read again; the bound counts the new snapshot in
    /// place of the old one (here the bound holds one copy of the peer's three rows, not two, and this node's own set
    /// never fits).
    /// </summary>
    [Fact]
    public async Task A_changed_replica_is_read_again_in_place_of_the_old_one()
    {
        using var peers = new FakePeers();
        var settings = new Dictionary<string, string?>
        {
            ["Node:Code"] = "ZJ", ["Federation:Harvest:Enabled"] = "false", ["Federation:ReplicaMemoryRows"] = "5", ["Federation:ReplicaMemo"] = "false",
            ["Federation:Peers:0:Code"] = "GOOD", ["Federation:Peers:0:BaseUrl"] = peers.BaseUrl("GOOD"),
            ["Federation:Peers:0:ClientId"] = "zj", ["Federation:Peers:0:ClientSecret"] = "secret", ["Federation:Peers:0:Timeout"] = "00:00:15",
        };
        using var zj = new NodeFactory(DatabaseProvider.Sqlite, settings);
        var http = zj.CreateClient();
        var admin = zj.WithToken(await http.TokenAsync(await zj.AddClientAsync("admin"), "admin"));
        var snapshots = zj.Services.GetRequiredService<ReplicaSnapshots>();

        // GOOD's feed: three of this node's instruments, as the feed gives them; later the same three renamed.
        var self = zj.WithToken(await http.TokenAsync(await zj.AddClientAsync("federation"), "federation"));
        var page = JsonNode.Parse(await self.GetStringAsync("/federation/changes/Instruments?max=3"))!.AsObject();
        page["more"] = false;
        var feed = page.ToJsonString();
        peers.Token("GOOD");
        peers.Feed("GOOD", "Instruments", () => feed);
        peers.Feed("GOOD", "ServiceOfferings", """{"changes":[],"cursor":"c0","more":false}""");
        peers.Feed("GOOD", "Datasets", """{"changes":[],"cursor":"c0","more":false}""");
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("/federation/harvest", null)).StatusCode);

        const string query = "/federation/odata/Instruments?mode=replica&$filter=name eq '改名的仪器'&$orderby=priceCny desc&$top=5&$select=id,name";
        async Task<JsonNode> FromMemoryAsync()
        {
            (await http.GetAsync(query)).EnsureSuccessStatusCode();
            await snapshots.BuildsAsync();
            var parts = snapshots.MemoryParts;
            var answer = JsonNode.Parse(await http.GetStringAsync(query))!;
            Assert.True(snapshots.MemoryParts == parts + 1, $"GOOD's part should come from memory ({snapshots.MemoryParts - parts} did)");
            return answer;
        }
        Assert.Empty((await FromMemoryAsync())["value"]!.AsArray());

        foreach (var change in page["changes"]!.AsArray())
        {
            change!["row"]!["name"] = "改名的仪器";
        }
        page["cursor"] = "c2";
        feed = page.ToJsonString();
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("/federation/harvest", null)).StatusCode);
        var renamed = await FromMemoryAsync();
        Assert.Equal(["GOOD", "GOOD", "GOOD"], renamed["value"]!.AsArray().Select(v => v!["node"]!.GetValue<string>()));
    }

    [Fact]
    public void A_memory_bound_that_is_not_a_whole_number_stops_the_node_naming_it()
    {
        using var zj = new NodeFactory(DatabaseProvider.Sqlite, new Dictionary<string, string?> { ["Federation:ReplicaMemoryRows"] = "lots" });
        var refused = Assert.ThrowsAny<Exception>(() => zj.CreateClient());
        Assert.Contains("Federation:ReplicaMemoryRows is 'lots'", refused.ToString());
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

    /// <summary>
    /// A query of the kinds replica mode answers from memory: comparisons of numbers, dates, instants, booleans and
    /// enumerations with literals (and with null), combined with and/or/not, ordered by one or two such properties.
    /// </summary>
    private static string RandomQuery(Random random)
    {
        string[] prices = ["300000", "500000", "800000.5", "1000000", "2500000"];
        string[] dates = ["2018-01-01", "2020-06-30", "2022-03-15"];
        string[] instants = ["2024-01-01T00:00:00Z", "2025-06-01T12:00:00.5Z"];
        string[] ops = ["eq", "ne", "lt", "le", "gt", "ge"];
        string Pick(string[] from) => from[random.Next(from.Length)];
        string Atom() => random.Next(9) switch
        {
            0 => $"priceCny {Pick(ops)} {Pick(prices)}",
            1 => $"acceptanceDate {Pick(ops)} {Pick(dates)}",
            2 => $"purchaseDate {Pick(ops)} {Pick(dates)}",
            3 => $"onboardedAt {Pick(ops)} {Pick(instants)}",
            4 => $"{Pick(["onboardedAt", "lastSeenAt", "latitude", "purchaseDate"])} {Pick(["eq", "ne"])} null",
            5 => $"latitude {Pick(ops)} {Pick(["29.5", "30.25"])}",
            6 => $"{Pick(["isDomestic", "inSharedFacility"])} eq {Pick(["true", "false"])}",
            7 => $"status in ({string.Join(',', new[] { "'normal'", "'underRepair'", "'idle'", "'scrapped'" }.Where(_ => random.Next(2) == 0).DefaultIfEmpty("'idle'"))})",
            _ => $"status {Pick(["eq", "ne"])} '{Pick(["normal", "idle", "underRepair"])}'",
        };
        var filter = Atom();
        for (var n = random.Next(3); n > 0; n--)
        {
            filter = $"{(random.Next(4) == 0 ? "not " : "")}({filter}) {Pick(["and", "or"])} {Atom()}";
        }
        string[] orderable = ["priceCny", "acceptanceDate", "purchaseDate", "onboardedAt", "lastSeenAt", "latitude", "isDomestic"];
        var orderBy = string.Join(',', Enumerable.Range(0, 1 + random.Next(2)).Select(_ => $"{Pick(orderable)} {Pick(["asc", "desc"])}")
            .DistinctBy(o => o.Split(' ')[0]));
        return $"Instruments?$filter={Uri.EscapeDataString(filter)}&$orderby={orderBy}&$skip={random.Next(25)}&$top={30 + random.Next(120)}&$count=true";
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
