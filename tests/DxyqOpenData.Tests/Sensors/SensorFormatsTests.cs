using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using DxyqOpenData.SensorBridge.Adapters;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;

namespace DxyqOpenData.Tests.Sensors;

/// <summary>
/// The sensor formats are one list, the bridge's adapter registry: the served sensor schema admits exactly the formats
/// the bridge reads, and a push naming any other is refused at <c>/format</c>, never stored to dead-letter every reading.
/// </summary>
public abstract class SensorFormatsTests(NodeFactory node)
{
    private static readonly AdapterRegistry Bridge = AdapterRegistry.CreateDefault();

    private async Task<string[]> SchemaFormatsAsync()
    {
        var schema = JsonNode.Parse(await node.CreateClient().GetStringAsync("/schemas/sensor/v1.json"))!;
        return [.. schema["properties"]!["format"]!["enum"]!.AsArray().Select(f => f!.GetValue<string>())];
    }

    [Fact]
    public async Task The_served_schema_admits_every_format_the_bridge_reads_and_no_other()
    {
        var admitted = await SchemaFormatsAsync();

        Assert.All(admitted, f => Assert.NotNull(Bridge.Find(f)));
        Assert.Equal(Bridge.All.Select(a => a.Format).Order(StringComparer.Ordinal), admitted.Order(StringComparer.Ordinal));
        // The schema's own examples use formats it admits (they are what integrators copy).
        var schema = JsonNode.Parse(await node.CreateClient().GetStringAsync("/schemas/sensor/v1.json"))!;
        Assert.All(schema["examples"]!.AsArray(), e => Assert.Contains(e!["format"]!.GetValue<string>(), admitted));
    }

    [Fact]
    public async Task A_push_stores_every_bridge_format_and_refuses_generated_names_the_bridge_cannot_read()
    {
        var unit = (await node.RowsAsync("SELECT id FROM units ORDER BY id"))[0][0]!.ToString()!.Trim();
        var writer = node.WithToken(await node.CreateClient().TokenAsync(await node.AddClientAsync("catalog.write", unit)));
        var random = new Random(20261206);
        var unreadable = new List<string> { "dxyq-v1" };
        while (unreadable.Count < 12)
        {
            const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789.-";
            var name = "abcdefghijklmnopqrstuvwxyz"[random.Next(26)] + new string([.. Enumerable.Range(0, random.Next(0, 12)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
            if (Bridge.Find(name) is null) unreadable.Add(name);
        }
        // Readable ones in upper case too: the registry matches names case-insensitively, the schema does not.
        unreadable.AddRange(Bridge.All.Select(a => a.Format.ToUpperInvariant()));
        var readable = Bridge.All.Select(a => a.Format).ToList();
        var items = readable.Concat(unreadable).Select(f => new { Format = f, Id = $"fmt-{Guid.NewGuid():N}"[..20] })
            .OrderBy(_ => random.Next()).ToList();
        var body = new JsonArray([.. items.Select(i => (JsonNode)new JsonObject { ["externalId"] = i.Id, ["format"] = i.Format, ["status"] = "active" })]);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/push/sensors") { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.Add("Prefer", "odata.continue-on-error");
        using var response = await writer.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var rejected = JsonNode.Parse(text)!["rejected"]!.AsArray()
            .ToDictionary(r => r!["index"]!.GetValue<int>(), r => r!["errors"]!.AsArray().Select(e => e!["path"]!.GetValue<string>()).ToList());
        for (var i = 0; i < items.Count; i++)
        {
            var stored = (await node.RowsAsync($"SELECT format FROM sensors WHERE id = '{items[i].Id}'")).SingleOrDefault()?[0] as string;
            if (readable.Contains(items[i].Format))
            {
                Assert.False(rejected.ContainsKey(i), $"{items[i].Format} refused");
                Assert.Equal(items[i].Format, stored);
            }
            else
            {
                Assert.Equal(["/format"], rejected[i]);
                Assert.Null(stored);
            }
        }
    }
}

public sealed class SqliteSensorFormatsTests(SqliteNode node) : SensorFormatsTests(node), IClassFixture<SqliteNode>;

public sealed class PostgreSqlSensorFormatsTests(PostgreSqlNode node) : SensorFormatsTests(node), IClassFixture<PostgreSqlNode>;
