using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;

namespace DxyqOpenData.Tests.Federation;

/// <summary>
/// The change feed (<c>/federation/changes/{set}</c>) over HTTP with real tokens on a real database: every write path
/// appears (demo data, push bulk copy and EF updates, deletes, raw SQL), in commit order, once per row at its latest
/// change, with tombstones for deletes and for rows that leave the public view; resumable; bad cursors are 400.
/// Runs once per provider (subclasses below).
/// </summary>
public abstract class ChangeFeedTests(NodeFactory node)
{
    private readonly HttpClient _anonymous = node.CreateClient();

    private async Task<HttpClient> ClientAsync(string scopes, string? unit = null) =>
        node.WithToken(await _anonymous.TokenAsync(await node.AddClientAsync(scopes, unit), scopes.Replace(',', ' ')));

    private sealed record Page(List<JsonObject> Changes, string Cursor, bool More);

    private static async Task<Page> PageAsync(HttpClient peer, string set, string? since, int max = 1000)
    {
        var url = $"/federation/changes/{set}?max={max}" + (since is null ? "" : $"&since={Uri.EscapeDataString(since)}");
        var response = await peer.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var json = JsonNode.Parse(body)!;
        return new Page(json["changes"]!.AsArray().Select(c => c!.AsObject()).ToList(), json["cursor"]!.GetValue<string>(), json["more"]!.GetValue<bool>());
    }

    /// <summary>Every change after <paramref name="since"/>, page by page; and the last cursor.</summary>
    private static async Task<(List<JsonObject> Changes, string Cursor)> AllAsync(HttpClient peer, string set, string? since, int max = 1000)
    {
        var all = new List<JsonObject>();
        while (true)
        {
            var page = await PageAsync(peer, set, since, max);
            all.AddRange(page.Changes);
            since = page.Cursor;
            if (!page.More)
            {
                return (all, since);
            }
        }
    }

    private static async Task<HashSet<string>> PublicIdsAsync(HttpClient http, string set)
    {
        var ids = new HashSet<string>();
        for (string? next = $"/odata/{set}?$select=id"; next is not null;)
        {
            var page = JsonNode.Parse(await http.GetStringAsync(next))!;
            ids.UnionWith(page["value"]!.AsArray().Select(v => v!["id"]!.GetValue<string>()));
            next = page["@odata.nextLink"]?.GetValue<string>();
        }
        return ids;
    }

    private static JsonObject Instrument(string innerId, string name = "场发射扫描电子显微镜", bool confidential = false) => new()
    {
        ["innerId"] = innerId, ["name"] = name, ["categoryCode"] = "020301", ["instrumentType"] = "general",
        ["priceCny"] = 450000m, ["fundingSource"] = "fiscal", ["acceptanceDate"] = "2026-01-05", ["status"] = "normal",
        ["shareMode"] = "open", ["regionCode"] = "330106", ["countryOfOrigin"] = "CN", ["manufacturer"] = "中科科仪",
        ["isConfidential"] = confidential, ["contactPhone"] = "0571-88888888",
    };

    private static async Task PushAsync(HttpClient writer, string kind, params JsonObject[] items)
    {
        var response = await writer.PostAsync($"/api/v1/push/{kind}",
            new StringContent(new JsonArray(items.Select(i => (JsonNode)i).ToArray()).ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private static string Key(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    private async Task<string> IdOfAsync(string innerId) =>
        (await node.RowsAsync($"SELECT id FROM instruments WHERE inner_id = '{innerId}'")).Single()[0]!.ToString()!.ToLowerInvariant();

    [Fact]
    public async Task The_feed_starts_with_every_public_row_and_then_gives_each_later_change_in_order_once_with_tombstones()
    {
        var peer = await ClientAsync("federation");
        var units = await node.RowsAsync("SELECT id FROM units ORDER BY id");
        var unit = units[0][0]!.ToString()!.Trim();
        var writer = await ClientAsync("catalog.write", unit);

        // From the start: the demo data (bulk-loaded), each public row once as an upsert, in strictly increasing order.
        foreach (var set in new[] { "Instruments", "ServiceOfferings", "Datasets" })
        {
            var (changes, _) = await AllAsync(peer, set, null, max: 97);
            var seqs = changes.Select(c => c["seq"]!.GetValue<long>()).ToList();
            Assert.Equal(seqs.Order(), seqs);
            Assert.Equal(seqs.Count, seqs.Distinct().Count());
            var upserts = changes.Where(c => c["op"]!.GetValue<string>() == "upsert").Select(c => c["id"]!.GetValue<string>()).ToHashSet();
            Assert.Equal((await PublicIdsAsync(_anonymous, set)).Order(), upserts.Order());
            Assert.All(changes.Where(c => c["op"]!.GetValue<string>() == "upsert"), c =>
            {
                Assert.Equal(c["id"]!.GetValue<string>(), c["row"]!["id"]!.GetValue<string>());
                Assert.False(c["row"]!.AsObject().ContainsKey("contactPhone"));
                Assert.False(c["row"]!.AsObject().ContainsKey("contactEmail"));
                Assert.False(c["row"]!.AsObject().ContainsKey("isConfidential"));
            });
        }
        var (_, cursor) = await AllAsync(peer, "Instruments", null);
        var (_, offeringsCursor) = await AllAsync(peer, "ServiceOfferings", null);
        var empty = await PageAsync(peer, "Instruments", cursor);
        Assert.Empty(empty.Changes);
        Assert.False(empty.More);
        Assert.Equal(cursor, empty.Cursor);

        // A push (linq2db bulk copy for the new rows): both appear, in the order they were written.
        var a = Key("FEED-A");
        var b = Key("FEED-B");
        await PushAsync(writer, "instruments", Instrument(a), Instrument(b));
        var first = await PageAsync(peer, "Instruments", cursor);
        Assert.Equal(new[] { await IdOfAsync(a), await IdOfAsync(b) }.Order(), first.Changes.Select(c => c["id"]!.GetValue<string>()).Order());
        Assert.All(first.Changes, c => Assert.Equal("upsert", c["op"]!.GetValue<string>()));
        Assert.Contains(first.Changes, c => c["row"]!["innerId"]!.GetValue<string>() == a && c["row"]!["name"]!.GetValue<string>() == "场发射扫描电子显微镜");

        // Resumable: from the cursor after them, an update of A (EF) then a new C, in that order, each once.
        var c1 = Key("FEED-C");
        await PushAsync(writer, "instruments", Instrument(a, name: "透射电子显微镜"));
        await PushAsync(writer, "instruments", Instrument(c1));
        var second = await PageAsync(peer, "Instruments", first.Cursor);
        Assert.Equal([await IdOfAsync(a), await IdOfAsync(c1)], second.Changes.Select(c => c["id"]!.GetValue<string>()));
        Assert.Equal("透射电子显微镜", second.Changes[0]["row"]!["name"]!.GetValue<string>());
        // From the older cursor A appears once, at its latest change (after B).
        var again = await PageAsync(peer, "Instruments", cursor);
        Assert.Equal([await IdOfAsync(b), await IdOfAsync(a), await IdOfAsync(c1)], again.Changes.Select(c => c["id"]!.GetValue<string>()));

        // A heartbeat (only last_seen_at) is not a change; a run state change is.
        var idA = await IdOfAsync(a);
        await node.RowsAsync($"UPDATE instruments SET last_seen_at = updated_at WHERE inner_id = '{a}'");
        Assert.Empty((await PageAsync(peer, "Instruments", second.Cursor)).Changes);
        await node.RowsAsync($"UPDATE instruments SET run_state = 'running' WHERE inner_id = '{a}'");
        var running = await PageAsync(peer, "Instruments", second.Cursor);
        Assert.Equal([idA], running.Changes.Select(c => c["id"]!.GetValue<string>()));
        Assert.Equal("running", running.Changes[0]["row"]!["runState"]!.GetValue<string>());

        // A made confidential (with an offering): tombstones for it and its offering.
        var offering = Key("FEED-O");
        await PushAsync(writer, "service-offerings", new JsonObject
        {
            ["externalId"] = offering, ["instrumentInnerId"] = a, ["name"] = "扫描电镜测试", ["kind"] = "testing",
            ["feeCny"] = 300m, ["feeUnit"] = "sample",
        });
        var offeringPage = await PageAsync(peer, "ServiceOfferings", offeringsCursor);
        var offeringId = Assert.Single(offeringPage.Changes)["id"]!.GetValue<string>();
        await PushAsync(writer, "instruments", Instrument(a, name: "透射电子显微镜", confidential: true));
        var hidden = await PageAsync(peer, "Instruments", running.Cursor);
        Assert.Equal([idA], hidden.Changes.Select(c => c["id"]!.GetValue<string>()));
        Assert.Equal("delete", hidden.Changes[0]["op"]!.GetValue<string>());
        Assert.Null(hidden.Changes[0]["row"]);
        var hiddenOffering = Assert.Single((await PageAsync(peer, "ServiceOfferings", offeringPage.Cursor)).Changes);
        Assert.Equal((offeringId, "delete"), (hiddenOffering["id"]!.GetValue<string>(), hiddenOffering["op"]!.GetValue<string>()));

        // A delete through the push API: a tombstone.
        Assert.Equal(HttpStatusCode.NoContent, (await writer.DeleteAsync($"/api/v1/push/instruments/{b}")).StatusCode);
        var deleted = Assert.Single((await PageAsync(peer, "Instruments", hidden.Cursor)).Changes);
        Assert.Equal((await Task.FromResult(again.Changes[0]["id"]!.GetValue<string>()), "delete"), (deleted["id"]!.GetValue<string>(), deleted["op"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Bad_cursors_limits_and_tokens_are_refused()
    {
        var peer = await ClientAsync("federation");
        var page = await PageAsync(peer, "Instruments", null, max: 3);
        var dot = page.Cursor.IndexOf('.');
        var tampered = page.Cursor[..(dot - 2)] + (page.Cursor[dot - 2] == 'A' ? 'B' : 'A') + page.Cursor[(dot - 1)..];
        foreach (var since in new[] { tampered, "garbage", "a.b", page.Cursor + "x", "" + (await PageAsync(peer, "Datasets", null, 3)).Cursor })
        {
            var response = await peer.GetAsync($"/federation/changes/Instruments?since={Uri.EscapeDataString(since)}");
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{since}: {(int)response.StatusCode} {body}");
            Assert.Contains("since", body);
        }
        Assert.Equal(HttpStatusCode.BadRequest, (await peer.GetAsync("/federation/changes/Instruments?max=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await peer.GetAsync("/federation/changes/Instruments?max=1001")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await peer.GetAsync("/federation/changes/Instruments?max=lots")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await peer.GetAsync("/federation/changes/ServiceRecords")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _anonymous.GetAsync("/federation/changes/Instruments")).StatusCode);
        var unit = (await node.RowsAsync("SELECT id FROM units ORDER BY id"))[0][0]!.ToString()!.Trim();
        Assert.Equal(HttpStatusCode.Forbidden, (await (await ClientAsync("catalog.write", unit)).GetAsync("/federation/changes/Instruments")).StatusCode);
    }

    [Fact]
    public async Task Deletes_take_the_units_own_key_and_refuse_an_instrument_with_service_records()
    {
        var units = await node.RowsAsync("SELECT id FROM units ORDER BY id");
        var (a, b) = (units[0][0]!.ToString()!.Trim(), units[1][0]!.ToString()!.Trim());
        var writerA = await ClientAsync("catalog.write", a);
        var writerB = await ClientAsync("catalog.write", b);
        var key = Key("DEL");
        await PushAsync(writerA, "instruments", Instrument(key));
        await PushAsync(writerA, "datasets", new JsonObject { ["externalId"] = key, ["title"] = "扫描电镜图像集", ["license"] = "CC-BY-4.0", ["access"] = "open", ["instrumentInnerId"] = key });

        // Another unit's key: 404, nothing changed.
        var foreign = await writerB.DeleteAsync($"/api/v1/push/instruments/{key}");
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Contains("application/problem+json", foreign.Content.Headers.ContentType!.ToString());
        Assert.Equal(HttpStatusCode.NotFound, (await writerB.DeleteAsync($"/api/v1/push/datasets/{key}")).StatusCode);
        Assert.Equal(1L, await node.ScalarAsync<long>($"SELECT COUNT(*) FROM instruments WHERE inner_id = '{key}'"));

        // An instrument with service records: 409, nothing changed.
        var withRecords = await node.RowsAsync($"SELECT i.inner_id FROM instruments i WHERE i.unit_id = '{a}' AND EXISTS (SELECT 1 FROM service_records r WHERE r.instrument_id = i.id) ORDER BY i.inner_id LIMIT 1");
        var busy = withRecords.Single()[0]!.ToString()!;
        var conflict = await writerA.DeleteAsync($"/api/v1/push/instruments/{Uri.EscapeDataString(busy)}");
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Contains("service records", await conflict.Content.ReadAsStringAsync());
        Assert.Equal(1L, await node.ScalarAsync<long>($"SELECT COUNT(*) FROM instruments WHERE inner_id = '{busy.Replace("'", "''")}' AND unit_id = '{a}'"));

        // Its own: 204; the dataset stays, unlinked; a second delete is 404.
        Assert.Equal(HttpStatusCode.NoContent, (await writerA.DeleteAsync($"/api/v1/push/instruments/{key}")).StatusCode);
        Assert.Equal(0L, await node.ScalarAsync<long>($"SELECT COUNT(*) FROM instruments WHERE inner_id = '{key}'"));
        Assert.Equal(1L, await node.ScalarAsync<long>($"SELECT COUNT(*) FROM datasets WHERE external_id = '{key}' AND instrument_id IS NULL"));
        Assert.Equal(HttpStatusCode.NotFound, (await writerA.DeleteAsync($"/api/v1/push/instruments/{key}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await writerA.DeleteAsync($"/api/v1/push/datasets/{key}")).StatusCode);
        Assert.Equal(0L, await node.ScalarAsync<long>($"SELECT COUNT(*) FROM datasets WHERE external_id = '{key}'"));

        // Without the scope or the unit: refused.
        Assert.Equal(HttpStatusCode.Unauthorized, (await _anonymous.DeleteAsync($"/api/v1/push/datasets/{key}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await (await ClientAsync("federation")).DeleteAsync($"/api/v1/push/datasets/{key}")).StatusCode);
    }
}

public sealed class SqliteChangeFeedTests(SqliteNode node) : ChangeFeedTests(node), IClassFixture<SqliteNode>;

public sealed class PostgreSqlChangeFeedTests(PostgreSqlNode node) : ChangeFeedTests(node), IClassFixture<PostgreSqlNode>;
