using System.Net;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;

namespace DxyqOpenData.Tests.Federation;

/// <summary>
/// What the federation keeps in the database, per provider: the nextLink key (generated once, so links and feed cursors
/// survive a restart and work on another instance) and OData's null ordering (nulls first ascending, on PostgreSQL
/// too). The change feed's commit order under concurrent writers: <see cref="ChangeFeedCommitOrderTests"/>.
/// </summary>
public abstract class FederationStorageTests(DatabaseProvider provider)
{
    [Fact]
    public async Task NextLinks_and_feed_cursors_work_after_a_restart_and_on_a_second_instance()
    {
        var settings = new Dictionary<string, string?> { ["Node:Code"] = "ZJ" };
        string link, cursor, connection;
        // The second node opens the first one's database with its own (new) options, as a restarted process would; the
        // first stays up (a SQLite test database goes with the node that made it).
        using var first = new NodeFactory(provider, settings);
        {
            connection = first.ConnectionString;
            var http = first.CreateClient();
            var page = JsonNode.Parse(await http.GetStringAsync("/federation/odata/Instruments?$orderby=priceCny desc&$select=id,priceCny"))!;
            link = page["@odata.nextLink"]!.GetValue<string>();
            var peer = first.WithToken(await http.TokenAsync(await first.AddClientAsync("federation"), "federation"));
            cursor = JsonNode.Parse(await peer.GetStringAsync("/federation/changes/Instruments?max=5"))!["cursor"]!.GetValue<string>();
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(link)).StatusCode);
        }
        using var second = new NodeFactory(provider, settings, connection);
        var again = second.CreateClient();
        var response = await again.GetAsync(new Uri(link).PathAndQuery);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        Assert.Equal(100, JsonNode.Parse(await response.Content.ReadAsStringAsync())!["value"]!.AsArray().Count);
        var peer2 = second.WithToken(await again.TokenAsync(await second.AddClientAsync("federation"), "federation"));
        var next = await peer2.GetAsync($"/federation/changes/Instruments?max=5&since={Uri.EscapeDataString(cursor)}");
        Assert.True(next.StatusCode == HttpStatusCode.OK, await next.Content.ReadAsStringAsync());
        Assert.Equal(1L, await second.ScalarAsync<long>("SELECT COUNT(*) FROM node_settings WHERE name = 'federation.link-key'"));

        // A configured key wins: links of the stored key are then refused.
        using var configured = new NodeFactory(provider, new Dictionary<string, string?> { ["Node:Code"] = "ZJ", ["Federation:LinkKey"] = "another secret" }, connection);
        Assert.Equal(HttpStatusCode.BadRequest, (await configured.CreateClient().GetAsync(new Uri(link).PathAndQuery)).StatusCode);
    }

    [Fact]
    public async Task Nulls_sort_first_ascending_and_last_descending_locally_and_in_replica_and_federated_queries()
    {
        using var node = new NodeFactory(provider, new Dictionary<string, string?> { ["Node:Code"] = "ZJ" });
        var http = node.CreateClient();
        var checkedOne = false;
        foreach (var property in new[] { "scrappedOn", "sensorId", "onboardedAt", "serviceInfoCompletedAt", "lastSeenAt", "model" })
        {
            foreach (var prefix in new[] { "/odata/Instruments", "/federation/odata/Instruments" })
            {
                var asc = await ValuesAsync(http, $"{prefix}?$orderby={property}&$select=id,{property}", property);
                var desc = await ValuesAsync(http, $"{prefix}?$orderby={property} desc&$select=id,{property}", property);
                if (!asc.Contains(null) || asc.All(v => v is null))
                {
                    continue;
                }
                checkedOne = true;
                Assert.True(asc.TakeWhile(v => v is null).Count() == asc.Count(v => v is null), $"{prefix} {property} asc: nulls not first");
                Assert.True(desc.SkipWhile(v => v is not null).All(v => v is null), $"{prefix} {property} desc: nulls not last");
            }
        }
        Assert.True(checkedOne, "no nullable property with both nulls and values in the demo data");
    }

    private static async Task<List<string?>> ValuesAsync(HttpClient http, string url, string property)
    {
        var values = new List<string?>();
        for (string? next = url; next is not null;)
        {
            var response = await http.GetAsync(next);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            var page = JsonNode.Parse(body)!;
            values.AddRange(page["value"]!.AsArray().Select(v => v![property]?.ToJsonString()));
            next = page["@odata.nextLink"]?.GetValue<string>();
        }
        return values;
    }
}

public sealed class SqliteFederationStorageTests() : FederationStorageTests(DatabaseProvider.Sqlite);

public sealed class PostgreSqlFederationStorageTests() : FederationStorageTests(DatabaseProvider.PostgreSql);
