using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Data.Reference;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;
using DxyqOpenData.Tests.Sensors;

namespace DxyqOpenData.Tests.Operations;

/// <summary>
/// docs/operations.md, "From zero", step by step on an empty PostgreSQL database with the demo data off: the first
/// administrator's client, the node, a unit registered through <c>POST /api/v1/push/units</c>, the unit's client
/// (refused before the unit exists), and the unit's first pushed instrument. The unit is generated (credit code, type,
/// county) so no particular unit is special.
/// </summary>
public sealed class FromZeroTests
{
    private static readonly Dictionary<string, string?> Settings = new() { ["Demo:Enabled"] = "false" };

    [Fact]
    public async Task An_empty_node_is_bootstrapped_to_a_units_first_pushed_instrument_as_the_docs_write_it()
    {
        var random = new Random(Environment.TickCount);
        var database = TestPostgres.CreateDatabase();
        const DatabaseProvider provider = DatabaseProvider.PostgreSql;
        var county = Regions.Default.ForNode("ZJ").Cities.SelectMany(c => c.Counties).OrderBy(_ => random.Next()).First();
        var organisation = new string([.. Enumerable.Range(0, 8).Select(_ => CreditCode.Alphabet[random.Next(31)])]);
        var creditCode = CreditCode.Create(random.Next(2) == 0 ? "12" : "91", county.Code, organisation);
        var type = new[] { "university", "institute", "hospital", "enterprise", "other" }[random.Next(5)];
        var provinceOwned = random.Next(2) == 0;

        // 2. The first administrator's client, on the empty database (the command migrates it).
        var admin = await AddClientAsync(database, "--name", "platform operations", "--scopes", "admin");
        var (refusedExit, _, refusedError) = await NodeProcess.RunCommandAsync(provider, database, Settings,
            "clients", "add", "--name", "LIMS", "--unit", creditCode, "--scopes", "catalog.write,records.write");
        Assert.Equal(2, refusedExit);
        Assert.Contains($"no unit '{creditCode}' in the database", refusedError);

        // 3. The node.
        await using var node = await NodeProcess.StartAsync(provider, database, Settings);
        using var http = new HttpClient { BaseAddress = node.Address };
        Assert.Empty((await http.GetFromJsonAsync<JsonElement>("/odata/Units")).GetProperty("value").EnumerateArray());

        // 4. The unit, with the administrator's token; a wrong check character first: 422 naming it, nothing written.
        var adminToken = await http.TokenAsync(admin, "admin");
        var wrong = creditCode[..17] + CreditCode.Alphabet[(CreditCode.Alphabet.IndexOf(creditCode[17]) + 1 + random.Next(30)) % 31];
        var refused = await PushAsync(http, adminToken, "units", UnitDocument(wrong, county.Code, type, provinceOwned));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("/creditCode", await refused.Content.ReadAsStringAsync());
        var pushed = await PushAsync(http, adminToken, "units", UnitDocument(creditCode, county.Code, type, provinceOwned));
        Assert.Equal(HttpStatusCode.OK, pushed.StatusCode);
        Assert.Equal(1, (int)JsonNode.Parse(await pushed.Content.ReadAsStringAsync())!["created"]!);
        var unit = await http.GetFromJsonAsync<JsonElement>($"/odata/Units('{creditCode}')");
        Assert.Equal("测试单位" + creditCode[^4..], unit.GetProperty("name").GetString());
        Assert.Equal(type, unit.GetProperty("type").GetString());
        Assert.Equal(county.Code, unit.GetProperty("regionCode").GetString());
        Assert.Equal(county.Code[..4] + "00", unit.GetProperty("cityCode").GetString());
        Assert.Equal(county.MountainCounty, unit.GetProperty("inMountainCounty").GetBoolean());
        Assert.Equal(provinceOwned, unit.GetProperty("provinceOwned").GetBoolean());

        // 5. The unit's client, now that the unit is registered.
        var lims = await AddClientAsync(database, "--name", "LIMS", "--unit", creditCode, "--scopes", "catalog.write,records.write");

        // 6. Its first instrument, with its own token; and a unit's client registers no units.
        var unitToken = await http.TokenAsync(lims, "catalog.write");
        Assert.Equal(HttpStatusCode.Forbidden, (await PushAsync(http, unitToken, "units", UnitDocument(creditCode, county.Code, type, provinceOwned))).StatusCode);
        var instrument = new JsonArray(new JsonObject
        {
            ["innerId"] = "ZJU-2026-000001", ["name"] = "场发射扫描电子显微镜", ["categoryCode"] = "020301", ["instrumentType"] = "general",
            ["priceCny"] = 450000, ["fundingSource"] = "fiscal", ["acceptanceDate"] = "2026-01-05", ["status"] = "normal",
            ["shareMode"] = "open", ["regionCode"] = county.Code, ["countryOfOrigin"] = "CN",
        });
        var first = await PushAsync(http, unitToken, "instruments", instrument);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(1, (int)JsonNode.Parse(await first.Content.ReadAsStringAsync())!["created"]!);
        var listed = await http.GetFromJsonAsync<JsonElement>($"/odata/Instruments?$filter=unitId eq '{creditCode}'&$select=innerId,name");
        Assert.Equal("ZJU-2026-000001", Assert.Single(listed.GetProperty("value").EnumerateArray()).GetProperty("innerId").GetString());
    }

    private static JsonArray UnitDocument(string creditCode, string regionCode, string type, bool provinceOwned) =>
    [
        new JsonObject
        {
            ["creditCode"] = creditCode, ["name"] = "测试单位" + creditCode[^4..], ["type"] = type, ["regionCode"] = regionCode,
            ["provinceOwned"] = provinceOwned, ["hasConnectedSystem"] = true,
        },
    ];

    private static async Task<RegisteredClient> AddClientAsync(string database, params string[] options)
    {
        var (exit, output, error) = await NodeProcess.RunCommandAsync(DatabaseProvider.PostgreSql, database, Settings, ["clients", "add", .. options]);
        Assert.True(exit == 0, error);
        var json = JsonNode.Parse(output)!;
        return new RegisteredClient(json["clientId"]!.GetValue<string>(), json["clientSecret"]!.GetValue<string>());
    }

    private static async Task<HttpResponseMessage> PushAsync(HttpClient http, string token, string kind, JsonArray body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/push/{kind}")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }
}
