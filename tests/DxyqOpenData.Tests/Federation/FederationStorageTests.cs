using System.Net;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;
using Npgsql;

namespace DxyqOpenData.Tests.Federation;

/// <summary>
/// What the federation keeps in the database, per provider: the nextLink key (generated once, so links and feed cursors
/// survive a restart and work on another instance), OData's null ordering (nulls first ascending, on PostgreSQL too),
/// and the change counter's commit-order guarantee.
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

public sealed class PostgreSqlFederationStorageTests() : FederationStorageTests(DatabaseProvider.PostgreSql)
{
    /// <summary>
    /// Two writers at once: the second blocks on the counter row until the first commits, so it gets the higher numbers
    /// and a reader never sees a later number before an earlier one is committed.
    /// </summary>
    [Fact]
    public async Task A_second_writer_waits_for_the_first_and_gets_higher_change_numbers()
    {
        using var node = new NodeFactory(DatabaseProvider.PostgreSql);
        node.CreateClient();
        var ids = (await node.RowsAsync("SELECT id FROM datasets ORDER BY id LIMIT 2")).Select(r => (Guid)r[0]!).ToList();
        await using var a = new NpgsqlConnection(node.ConnectionString);
        await using var b = new NpgsqlConnection(node.ConnectionString);
        await a.OpenAsync();
        await b.OpenAsync();
        await using var ta = await a.BeginTransactionAsync();
        await using var tb = await b.BeginTransactionAsync();
        await Execute(a, ta, $"UPDATE datasets SET title = title || ' A' WHERE id = '{ids[0]}'");
        var second = Execute(b, tb, $"UPDATE datasets SET title = title || ' B' WHERE id = '{ids[1]}'");
        await Task.Delay(500);
        Assert.False(second.IsCompleted, "the second writer did not wait for the first");
        // A reader meanwhile sees neither change.
        var before = await node.ScalarAsync<long>("SELECT MAX(seq) FROM catalog_changes");
        await ta.CommitAsync();
        await second;
        await tb.CommitAsync();
        var seqA = await node.ScalarAsync<long>($"SELECT seq FROM catalog_changes WHERE row_id = '{ids[0]}'");
        var seqB = await node.ScalarAsync<long>($"SELECT seq FROM catalog_changes WHERE row_id = '{ids[1]}'");
        Assert.True(before < seqA && seqA < seqB, $"{before} < {seqA} < {seqB}");
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync();
    }
}
