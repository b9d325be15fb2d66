using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Data;
using DxyqOpenData.SensorBridge.Pipeline;
using DxyqOpenData.SensorBridge.Processing;
using DxyqOpenData.SensorBridge.Readings;
using DxyqOpenData.Tests.Federation;
using DxyqOpenData.Tests.Imports;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OData.Edm;

namespace DxyqOpenData.Tests.Catalog;

/// <summary>A node with one peer (played by WireMock), so that a harvest writes replica rows too.</summary>
public class InstantsNode : NodeFactory
{
    public FakePeers Peers { get; }

    protected InstantsNode(DatabaseProvider provider) : this(provider, new FakePeers())
    {
    }

    private InstantsNode(DatabaseProvider provider, FakePeers peers) : base(provider, new Dictionary<string, string?>
    {
        ["Node:Code"] = "ZJ",
        ["Federation:Peers:0:Code"] = "PEER",
        ["Federation:Peers:0:BaseUrl"] = peers.BaseUrl("PEER"),
        ["Federation:Peers:0:ClientId"] = "zj",
        ["Federation:Peers:0:ClientSecret"] = "secret",
    }) => Peers = peers;

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Peers.Dispose();
        }
    }
}

public sealed class SqliteInstantsNode() : InstantsNode(DatabaseProvider.Sqlite);

public sealed class PostgreSqlInstantsNode() : InstantsNode(DatabaseProvider.PostgreSql);

/// <summary>
/// An instant has one stored form whoever writes it: after every writer has run (the demo loader, EF through the token
/// endpoint, the push API, an import, the sensor sink, a harvest of a peer), every instant column of every table holds
/// EF's own form (SQLite: EF's text, no digit below the microsecond; PostgreSQL: <c>timestamptz</c>), and every instant
/// property of every set compares with its own stored values (drawn at random, seeded) as .NET compares the instants:
/// <c>eq</c>, <c>lt</c>, <c>le</c>, <c>ge</c>, one group per instant, paging that visits every row once. Runs per provider.
/// </summary>
public abstract class InstantTests(InstantsNode node)
{
    private const int Seed = 1026;

    /// <summary>A service record pushed with times to the 100 ns (PostgreSQL keeps microseconds).</summary>
    private const string PreciseStart = "2026-03-02T09:00:00.1234567+08:00";

    private static readonly Dictionary<NodeFactory, Task<string>> Written = [];

    /// <summary>Runs every writer once per node; returns the external id of the precisely timed service record.</summary>
    private Task<string> EveryWriterAsync()
    {
        lock (Written)
        {
            if (!Written.TryGetValue(node, out var written))
            {
                Written[node] = written = WriteAsync();
            }
            return written;
        }
    }

    private async Task<string> WriteAsync()
    {
        var http = node.CreateClient();
        var (unit, _) = await ImportsTests.UnitsAsync(node);

        // The push API: an instrument (stamped with the batch's clock, to the 100 ns), pushed twice (the second an EF
        // update with updatedAt as concurrency token), and a service record with times to the 100 ns.
        var writer = node.WithToken(await http.TokenAsync(await node.AddClientAsync("catalog.write,records.write,records.read", unit.Unit)));
        var innerId = $"INS-{Guid.NewGuid():N}"[..20];
        var instrument = new JsonObject
        {
            ["innerId"] = innerId, ["name"] = "场发射扫描电子显微镜", ["categoryCode"] = "020301", ["instrumentType"] = "general",
            ["priceCny"] = 450000.10m, ["fundingSource"] = "fiscal", ["acceptanceDate"] = "2026-01-05", ["status"] = "normal",
            ["shareMode"] = "open", ["regionCode"] = "330106", ["countryOfOrigin"] = "CN", ["manufacturer"] = "中科科仪",
        };
        await PushAsync(writer, "instruments", new JsonArray(instrument.DeepClone()));
        instrument["name"] = "场发射扫描电子显微镜（二）";
        await PushAsync(writer, "instruments", new JsonArray(instrument));
        var record = $"REC-{Guid.NewGuid():N}"[..20];
        await PushAsync(writer, "service-records", new JsonArray(new JsonObject
        {
            ["externalId"] = record, ["instrumentInnerId"] = innerId, ["startedAt"] = PreciseStart,
            ["endedAt"] = "2026-03-02T11:30:00.7654321+08:00", ["hours"] = 2.5, ["userName"] = "李明",
            ["userOrganization"] = "淳安某新材料有限公司", ["isExternal"] = true, ["feeCny"] = 800m, ["paymentMethod"] = "transfer",
        }));

        // An import (its job row, and a record through the push API's writer).
        var importer = node.WithToken(await http.TokenAsync(await node.AddClientAsync("records.write,records.read", unit.Unit)));
        var report = await ImportsTests.ImportAsync(importer,
            Encoding.UTF8.GetBytes(ImportsTests.Csv([ImportsTests.Row($"IMP-{Guid.NewGuid():N}"[..20], innerId)])), "records.csv");
        Assert.True(report["status"]!.GetValue<string>() == "completed", report.ToJsonString());

        // The sensor sink: readings, a session and an instrument's last-seen time, to the 100 ns.
        await using (var scope = node.Services.CreateAsyncScope())
        {
            var sink = scope.ServiceProvider.GetRequiredService<ISensorSink>();
            var sensor = (await sink.LoadSensorsAsync(CancellationToken.None)).Values.First(s => s.InstrumentId is not null);
            var start = new DateTime(2026, 3, 1, 1, 2, 3, DateTimeKind.Utc).AddTicks(1_234_567);
            await sink.WriteAsync(new Batch(
                [new NormalizedReading(sensor.Id, sensor.InstrumentId, start, RunStateKind.Running, 1500, 1)],
                [new SessionOpened(sensor.Id, sensor.InstrumentId, start)],
                [new SessionClosed(sensor.Id, sensor.InstrumentId, start, start.AddHours(2.5).AddTicks(3), SessionEndReason.StateChange)],
                [new RunStateUpdate(sensor.Id, sensor.InstrumentId, RunStateKind.Standby, start.AddHours(2.5).AddTicks(3))],
                []), CancellationToken.None);
        }

        // A harvest: this node's own first instruments, served back as the peer's change feed.
        var self = node.WithToken(await http.TokenAsync(await node.AddClientAsync("federation"), "federation"));
        var page = JsonNode.Parse(await self.GetStringAsync("/federation/changes/Instruments?max=5"))!.AsObject();
        page["more"] = false;
        node.Peers.Token("PEER");
        node.Peers.Feed("PEER", "Instruments", page.ToJsonString());
        foreach (var set in new[] { "Datasets", "ServiceOfferings" })
        {
            node.Peers.Feed("PEER", set, """{"changes":[],"cursor":"c0","more":false}""");
        }
        var admin = await CatalogSet.AdminAsync(node);
        using var harvest = await admin.PostAsync("/federation/harvest", null);
        Assert.True(harvest.StatusCode == HttpStatusCode.OK, await harvest.Content.ReadAsStringAsync());
        Assert.True(await node.ScalarAsync<long>("SELECT COUNT(*) FROM replica_instruments") > 0, "the harvest stored no replica rows");
        return record;
    }

    private static async Task PushAsync(HttpClient client, string kind, JsonArray body)
    {
        using var response = await client.PostAsync($"/api/v1/push/{kind}", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"push {kind}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task Every_instant_column_of_every_table_holds_efs_own_form_after_every_writer()
    {
        await EveryWriterAsync();
        using var scope = node.Services.CreateScope();
        var model = scope.ServiceProvider.GetRequiredService<CatalogDbContext>().Model;
        var columns = model.GetEntityTypes().Where(e => e.GetTableName() is not null)
            .SelectMany(e => e.GetProperties().Where(p => (Nullable.GetUnderlyingType(p.ClrType) ?? p.ClrType) == typeof(DateTime))
                .Select(p => (Table: e.GetTableName()!, Column: p.GetColumnName())))
            .Distinct().ToList();
        Assert.True(columns.Count > 30, $"only {columns.Count} instant columns found");
        var failures = new List<string>();
        var values = 0;
        foreach (var (table, column) in columns)
        {
            if (node.Provider == DatabaseProvider.PostgreSql)
            {
                var type = await node.ScalarAsync<string>(
                    $"SELECT data_type FROM information_schema.columns WHERE table_name = '{table}' AND column_name = '{column}'");
                if (type != "timestamp with time zone")
                {
                    failures.Add($"{table}.{column} is {type}");
                }
                continue;
            }
            foreach (var row in await node.RowsAsync($"SELECT {column}, typeof({column}) FROM {table} WHERE {column} IS NOT NULL"))
            {
                values++;
                var text = row[0] as string;
                if (row[1] as string != "text" || !DateTime.TryParseExact(text, ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF"],
                        CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
                {
                    failures.Add($"{table}.{column}: '{row[0]}' ({row[1]}) is not an instant as EF writes it");
                    continue;
                }
                // EF's own text for this instant, with nothing below the microsecond.
                var canonical = new DateTime(instant.Ticks - instant.Ticks % 10).ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
                if (text != canonical)
                {
                    failures.Add($"{table}.{column}: '{text}', expected '{canonical}'");
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(40)) + $"\n({failures.Count} in all)");
        Assert.True(node.Provider == DatabaseProvider.PostgreSql || values > 1000, $"only {values} instants read");
    }

    [Fact]
    public async Task An_instant_pushed_to_the_100_ns_reads_back_to_the_microsecond_and_compares_equal_to_itself()
    {
        var record = await EveryWriterAsync();
        var admin = await CatalogSet.AdminAsync(node);
        var read = (await admin.GetJsonAsync($"/odata/ServiceRecords?$filter=externalId eq '{record}'&$select=startedAt")).Values().Single()!;
        var startedAt = read["startedAt"]!.GetValue<string>();
        Assert.Equal("2026-03-02T01:00:00.123456Z", startedAt);
        foreach (var literal in new[] { startedAt, PreciseStart, "2026-03-02T01:00:00.123456Z" })
        {
            var page = await admin.GetJsonAsync($"/odata/ServiceRecords?$filter=externalId eq '{record}' and startedAt eq {Uri.EscapeDataString(literal)}&$count=true&$top=0");
            Assert.True(page["@odata.count"]!.GetValue<long>() == 1, $"startedAt eq {literal} does not find the record");
        }
    }

    [Fact]
    public async Task Every_instant_property_compares_groups_and_pages_by_its_own_stored_values()
    {
        await EveryWriterAsync();
        var admin = await CatalogSet.AdminAsync(node);
        var random = new Random(Seed);
        var failures = new List<string>();
        var properties = 0;
        foreach (var set in CatalogSet.All(node))
        {
            foreach (var property in set.Properties(t => t.IsDateTimeOffset()))
            {
                properties++;
                var rows = (await node.RowsAsync($"SELECT {set.Column(set.Key)}, {set.Column(property)} FROM {set.Table} WHERE {set.Published}"))
                    .Select(r => (Id: r[0]!.ToString()!.Trim().ToUpperInvariant(), At: r[1] is null ? (DateTime?)null : Instant(r[1]!))).ToList();
                var stored = rows.Where(r => r.At is not null).Select(r => r.At!.Value).Distinct().Order().ToList();
                if (stored.Count == 0)
                {
                    continue;
                }
                foreach (var pivot in Enumerable.Range(0, 3).Select(_ => stored[random.Next(stored.Count)]))
                {
                    var literal = Literal(pivot, random);
                    foreach (var op in new[] { "eq", "lt", "le", "ge" })
                    {
                        var expected = rows.Count(r => r.At is { } at && op switch { "eq" => at == pivot, "lt" => at < pivot, "le" => at <= pivot, _ => at >= pivot });
                        var url = $"/odata/{set.Name}?$filter={property.Name} {op} {literal}&$count=true&$top=0";
                        var actual = (await admin.GetJsonAsync(url))["@odata.count"]!.GetValue<long>();
                        if (actual != expected)
                        {
                            failures.Add($"{url}: {actual}, expected {expected}");
                        }
                    }
                    var groupUrl = $"/odata/{set.Name}?$apply=filter({property.Name} eq {literal})/groupby(({property.Name}),aggregate($count as n))";
                    var groups = (await admin.GetJsonAsync(groupUrl)).Values().Select(g => g!["n"]!.GetValue<long>()).ToList();
                    if (groups.Count != 1 || groups[0] != rows.Count(r => r.At == pivot))
                    {
                        failures.Add($"{groupUrl}: groups [{string.Join(",", groups)}], expected one of {rows.Count(r => r.At == pivot)}");
                    }
                }
                // Paging from a stored instant on, ordered by it: the skip token compares the instant with eq and gt.
                var from = stored[random.Next(stored.Count)];
                var pageUrl = $"/odata/{set.Name}?$filter={property.Name} ge {Literal(from, random)}&$orderby={property.Name}&$select={set.Key.Name}";
                var (items, _, _) = await admin.GetAllPagesAsync(pageUrl);
                var paged = items.Select(i => i[set.Key.Name]!.ToString().ToUpperInvariant()).Order(StringComparer.Ordinal).ToList();
                var expectedIds = rows.Where(r => r.At >= from).Select(r => r.Id).Order(StringComparer.Ordinal).ToList();
                if (!paged.SequenceEqual(expectedIds))
                {
                    failures.Add($"{pageUrl}: {paged.Count} rows ({paged.Count - paged.Distinct().Count()} repeated), expected {expectedIds.Count}");
                }
            }
        }
        Assert.True(properties >= 15, $"only {properties} instant properties found");
        Assert.True(failures.Count == 0, $"seed {Seed}:\n" + string.Join("\n", failures.Take(40)) + $"\n({failures.Count} in all)");
    }

    /// <summary>The instant as an OData literal, in UTC or in China Standard Time, all its digits.</summary>
    private static string Literal(DateTime instant, Random random) => Uri.EscapeDataString(random.Next(2) == 0
        ? instant.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture)
        : new DateTimeOffset(instant).ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture));

    private static DateTime Instant(object value) => value switch
    {
        DateTime d => DateTime.SpecifyKind(d, DateTimeKind.Utc),
        DateTimeOffset o => o.UtcDateTime,
        string s => DateTime.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
        _ => throw new InvalidOperationException($"unexpected {value.GetType()}"),
    };
}

public sealed class SqliteInstantTests(SqliteInstantsNode node) : InstantTests(node), IClassFixture<SqliteInstantsNode>;

public sealed class PostgreSqlInstantTests(PostgreSqlInstantsNode node) : InstantTests(node), IClassFixture<PostgreSqlInstantsNode>;
