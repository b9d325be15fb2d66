using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Units;
using DxyqOpenData.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using DxyqOpenData.Tests.Security;

namespace DxyqOpenData.Tests.Supervision;

/// <summary>
/// A node without demo data and with a test clock, one unit registered by an administrator, and clients with real
/// tokens: the unit's writer and reader, another unit's reader, an administrator. Supervision tests build their small
/// fixtures on it and work the expected figures out by hand.
/// </summary>
public sealed class SupervisionNode : IAsyncDisposable
{
    public const string UnitA = "12330000470003281H";
    public const string UnitB = "91330127MA2AX5B538";

    private readonly RegisteredClient[] _clients;

    private SupervisionNode(NodeFactory node, TestClock clock, RegisteredClient[] clients)
    {
        Node = node;
        Clock = clock;
        _clients = clients;
    }

    public NodeFactory Node { get; }
    public TestClock Clock { get; }
    public HttpClient Admin { get; private set; } = null!;
    public HttpClient WriterA { get; private set; } = null!;
    public HttpClient ReaderA { get; private set; } = null!;
    public HttpClient WriterB { get; private set; } = null!;
    public HttpClient ReaderB { get; private set; } = null!;

    /// <summary>Sets the node's clock and gets every client a fresh token (those of months ago have expired).</summary>
    public async Task MoveClockAsync(DateTimeOffset now)
    {
        Clock.Now = now;
        await TokensAsync();
    }

    private async Task TokensAsync()
    {
        var anonymous = Node.CreateClient();
        var clients = new HttpClient[_clients.Length];
        for (var i = 0; i < clients.Length; i++)
        {
            clients[i] = Node.WithToken(await anonymous.TokenAsync(_clients[i]));
        }
        (Admin, WriterA, ReaderA, WriterB, ReaderB) = (clients[0], clients[1], clients[2], clients[3], clients[4]);
    }

    public static async Task<SupervisionNode> StartAsync(DatabaseProvider provider, DateTimeOffset now, string? connectionString = null,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        var clock = new TestClock(now);
        var all = new Dictionary<string, string?> { ["Demo:Enabled"] = "false", ["Supervision:Sweep:Enabled"] = "false" };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            all[k] = v;
        }
        var node = new NodeFactory(provider, all, connectionString) { Clock = clock };
        if (connectionString is null)
        {
            // The unit registry has no push route yet: the two units go straight into the database.
            await using var scope = node.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
            db.Units.Add(new Unit { Id = UnitA, Name = "浙江大学", Type = UnitType.University, RegionCode = "330106", CityCode = "330100", UpdatedAt = now.UtcDateTime });
            db.Units.Add(new Unit { Id = UnitB, Name = "淳安某科技有限公司", Type = UnitType.Enterprise, RegionCode = "330127", CityCode = "330100", InMountainCounty = true, UpdatedAt = now.UtcDateTime });
            await db.SaveChangesAsync();
        }
        var started = new SupervisionNode(node, clock,
        [
            await node.AddClientAsync("admin"),
            await node.AddClientAsync("catalog.write,records.write,records.read", UnitA), await node.AddClientAsync("records.read", UnitA),
            await node.AddClientAsync("catalog.write,records.write,records.read", UnitB), await node.AddClientAsync("records.read", UnitB),
        ]);
        await started.TokensAsync();
        return started;
    }

    public static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    public static async Task<JsonNode> Ok(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!;
    }

    public static JsonObject Instrument(string innerId, string acceptance, string status = "normal", string shareMode = "open") => new()
    {
        ["innerId"] = innerId, ["name"] = "场发射扫描电子显微镜", ["categoryCode"] = "020301", ["instrumentType"] = "general",
        ["priceCny"] = 450000m, ["fundingSource"] = "fiscal", ["acceptanceDate"] = acceptance, ["status"] = status,
        ["shareMode"] = shareMode, ["regionCode"] = "330106",
    };

    public async Task<JsonNode> PushAsync(HttpClient client, string kind, params JsonObject[] items) =>
        await Ok(await client.PostAsync($"/api/v1/push/{kind}", Json(new JsonArray(items))));

    /// <summary>An instrument as OData shows it to its unit.</summary>
    public async Task<JsonObject> InstrumentAsync(string innerId, HttpClient? client = null)
    {
        var page = await (client ?? ReaderA).GetJsonAsync($"/odata/Instruments?$filter=innerId eq '{innerId}'");
        return Assert.Single(page.Values())!.AsObject();
    }

    public async Task<JsonObject> HealthAsync()
    {
        var response = await Node.CreateClient().GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    public async ValueTask DisposeAsync() => await Node.DisposeAsync();
}
