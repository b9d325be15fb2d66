using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using DxyqOpenData.SensorBridge.Pipeline;
using DxyqOpenData.SensorBridge.Processing;
using DxyqOpenData.SensorBridge.Readings;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;
using Microsoft.Extensions.DependencyInjection;

namespace DxyqOpenData.Tests.Catalog;

/// <summary>
/// An instrument's ETag (the only set with one) changes whenever a property of its payload changes, through the writers
/// that change them: the push API, one property of the instrument schema at a time, each to a value another instrument
/// holds (so the value is valid), and the sensor bridge (run state, last-seen time), which does not move
/// <c>updatedAt</c>. After each change the old ETag no longer answers 304 and the new one does, and the collection
/// pages (the lean writer and the library's) carry the same ETag as the by-key GET.
/// </summary>
public abstract class ETagTests(NodeFactory node)
{
    private static readonly HashSet<string> Keys = ["unitId", "innerId", "isConfidential"];

    [Fact]
    public async Task The_etag_changes_with_every_property_a_writer_changes()
    {
        var rows = await node.RowsAsync("SELECT id, unit_id, inner_id, sensor_id FROM instruments WHERE is_confidential = false AND sensor_id IS NOT NULL ORDER BY id");
        var row = rows[rows.Count / 2];
        var (id, unit, sensorId) = (row[0]!.ToString()!, ((string)row[1]!).Trim(), (string)row[3]!);
        var writer = node.WithToken(await node.CreateClient().TokenAsync(await node.AddClientAsync("catalog.write", unit)));
        var reader = node.WithToken(await node.CreateClient().TokenAsync(await node.AddClientAsync("federation")));

        using var schema = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(RepoRoot.File("schemas/instrument/v1.json")));
        var properties = schema.RootElement.GetProperty("properties").EnumerateObject().Select(p => p.Name).Where(p => !Keys.Contains(p)).ToList();
        var current = await reader.GetJsonAsync($"/odata/Instruments({id})");
        var document = new JsonObject();
        foreach (var name in schema.RootElement.GetProperty("properties").EnumerateObject().Select(p => p.Name).Where(n => n != "isConfidential"))
        {
            if (current[name] is { } value)
            {
                document[name] = value.DeepClone();
            }
        }
        var etag = await ETagAsync(reader, id);

        foreach (var property in properties)
        {
            var donors = (await reader.GetJsonAsync($"/odata/Instruments?$apply=groupby(({property}))")).Values()
                .Select(v => v![property]).OfType<JsonNode>().Where(v => v.ToJsonString() != document[property]?.ToJsonString())
                .Take(8).ToList();
            if (donors.Count == 0)
            {
                // Nothing else in the published data (no instrument is scrapped at test scale): this instrument's own
                // values of properties of the same schema type (another date, say).
                donors = [.. schema.RootElement.GetProperty("properties").EnumerateObject()
                    .Where(p => p.Name != property && StripDescription(p.Value) == StripDescription(schema.RootElement.GetProperty("properties").GetProperty(property)))
                    .Select(p => document[p.Name]).OfType<JsonNode>().Select(v => v.DeepClone())];
            }
            if (donors.Count == 0 && schema.RootElement.GetProperty("properties").GetProperty(property).GetProperty("type").ToString() == "number")
            {
                // A number nobody sets in the demo data (ratedHoursPerYear): half an hour more than this instrument's
                // (a fraction, which reads back in the same form as it was written).
                donors = [JsonValue.Create((document[property]?.GetValue<double>() ?? 1600) + 0.5)];
            }
            Assert.True(donors.Count > 0, $"no other value of {property} in the demo data");
            JsonNode? accepted = null;
            foreach (var donor in donors)
            {
                var changed = document.DeepClone().AsObject();
                changed[property] = donor.DeepClone();
                using var push = await writer.PostAsJsonAsync("/api/v1/push/instruments", new JsonArray(changed));
                if (push.StatusCode == HttpStatusCode.OK)
                {
                    (document, accepted) = (changed, donor);
                    break;
                }
                Assert.Equal(HttpStatusCode.UnprocessableEntity, push.StatusCode);
            }
            Assert.True(accepted is not null, $"no value of {property} from other instruments was accepted by the push");

            var after = await reader.GetJsonAsync($"/odata/Instruments({id})");
            Assert.Equal(accepted!.ToJsonString(), after[property]!.ToJsonString());
            etag = await AssertChangedAsync(reader, id, etag, property);
        }

        // The sensor bridge: run state, then last-seen time alone; updatedAt stays.
        var updatedAt = (await reader.GetJsonAsync($"/odata/Instruments({id})?$select=updatedAt,runState"))["updatedAt"]!.GetValue<string>();
        var state = (await reader.GetJsonAsync($"/odata/Instruments({id})?$select=runState"))["runState"]!.GetValue<string>();
        var next = state == "running" ? RunStateKind.Standby : RunStateKind.Running;
        var seen = DateTime.UtcNow.AddMinutes(-5);
        await WriteRunStateAsync(sensorId, id, next, seen);
        etag = await AssertChangedAsync(reader, id, etag, "runState");
        await WriteRunStateAsync(sensorId, id, next, seen.AddMinutes(1));
        await AssertChangedAsync(reader, id, etag, "lastSeenAt");
        Assert.Equal(updatedAt, (await reader.GetJsonAsync($"/odata/Instruments({id})?$select=updatedAt"))["updatedAt"]!.GetValue<string>());
    }

    /// <summary>A property's schema without its description: the type it has.</summary>
    private static string StripDescription(System.Text.Json.JsonElement property) =>
        string.Join(",", property.EnumerateObject().Where(p => p.Name != "description").Select(p => p.ToString()));

    private async Task WriteRunStateAsync(string sensorId, string instrumentId, RunStateKind state, DateTime at)
    {
        await using var scope = node.Services.CreateAsyncScope();
        var sink = scope.ServiceProvider.GetRequiredService<ISensorSink>();
        await sink.WriteAsync(new Batch([], [], [], [new RunStateUpdate(sensorId, instrumentId, state, at)], []), CancellationToken.None);
    }

    /// <summary>The new ETag differs from <paramref name="old"/>, which no longer answers 304; the new one does.</summary>
    private static async Task<string> AssertChangedAsync(HttpClient reader, string id, string old, string property)
    {
        var etag = await ETagAsync(reader, id);
        Assert.True(etag != old, $"the ETag did not change with {property}");
        using var stale = new HttpRequestMessage(HttpMethod.Get, $"/odata/Instruments({id})") { Headers = { { "If-None-Match", old } } };
        Assert.Equal(HttpStatusCode.OK, (await reader.SendAsync(stale)).StatusCode);
        using var fresh = new HttpRequestMessage(HttpMethod.Get, $"/odata/Instruments({id})") { Headers = { { "If-None-Match", etag } } };
        Assert.Equal(HttpStatusCode.NotModified, (await reader.SendAsync(fresh)).StatusCode);
        return etag;
    }

    /// <summary>The by-key ETag header, checked equal to <c>@odata.etag</c> in its payload and in both collection writers' pages.</summary>
    private static async Task<string> ETagAsync(HttpClient reader, string id)
    {
        using var response = await reader.GetAsync($"/odata/Instruments({id})");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var etag = response.Headers.ETag!.ToString();
        Assert.Equal(etag, JsonNode.Parse(await response.Content.ReadAsStringAsync())!["@odata.etag"]!.GetValue<string>());
        foreach (var page in new[] { $"/odata/Instruments?$filter=id eq {id}", $"/odata/Instruments?$filter=id eq {id}&$expand=offerings($select=id)" })
        {
            Assert.Equal(etag, (await reader.GetJsonAsync(page)).Values().Single()!["@odata.etag"]!.GetValue<string>());
        }
        return etag;
    }
}

public sealed class SqliteETagTests(SqliteNode node) : ETagTests(node), IClassFixture<SqliteNode>;

public sealed class PostgreSqlETagTests(PostgreSqlNode node) : ETagTests(node), IClassFixture<PostgreSqlNode>;
