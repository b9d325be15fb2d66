using System.Text.Json;
using DxyqOpenData.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace DxyqOpenData.Tests.OpenApi;

/// <summary>What the served document says about the OData service and the ApiExplorer routes.</summary>
public sealed class OpenApiDocumentTests(SqliteNode node) : IClassFixture<SqliteNode>
{
    private async Task<JsonElement> DocumentAsync(HttpClient client)
    {
        using var doc = JsonDocument.Parse(await client.GetStringAsync("/swagger/v1/swagger.json"));
        return doc.RootElement.Clone();
    }

    private static string[] ParameterNames(JsonElement operation) =>
        [.. operation.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()!)];

    [Fact]
    public async Task Every_entity_set_has_a_collection_and_a_by_key_operation()
    {
        var paths = (await DocumentAsync(node.CreateClient())).GetProperty("paths");
        Assert.True(paths.TryGetProperty("/odata/$metadata", out _));
        foreach (var set in new[] { "Units", "Instruments", "ServiceOfferings", "ServiceRecords", "Datasets", "Sensors", "UsageSessions", "Alerts" })
        {
            var list = paths.GetProperty($"/odata/{set}").GetProperty("get");
            Assert.Equal(set, list.GetProperty("tags")[0].GetString());
            Assert.Subset(ParameterNames(list).ToHashSet(), new HashSet<string> { "$filter", "$select", "$expand", "$orderby", "$top", "$skip", "$count" });
            Assert.Equal(set is "Instruments" or "ServiceRecords", ParameterNames(list).Contains("$apply"));
            Assert.Equal(set is "ServiceRecords" or "Alerts", list.GetProperty("responses").TryGetProperty("401", out _));
            Assert.Equal(set is "ServiceRecords" or "Alerts", list.GetProperty("security")[0].TryGetProperty("oauth2", out _));

            var byKey = paths.EnumerateObject().Single(p => p.Name.StartsWith($"/odata/{set}(", StringComparison.Ordinal)).Value.GetProperty("get");
            var key = byKey.GetProperty("parameters")[0].GetProperty("schema");
            Assert.Equal(set is "Units" or "Sensors" ? null : "uuid", key.TryGetProperty("format", out var f) ? f.GetString() : null);
            Assert.True(byKey.GetProperty("responses").TryGetProperty("404", out _));
        }
    }

    [Fact]
    public async Task Entity_schemas_follow_the_edm()
    {
        var schemas = (await DocumentAsync(node.CreateClient())).GetProperty("components").GetProperty("schemas");
        var instrument = schemas.GetProperty("Instrument").GetProperty("properties");
        Assert.Equal(0.01m, instrument.GetProperty("priceCny").GetProperty("multipleOf").GetDecimal());
        Assert.Equal("date", instrument.GetProperty("acceptanceDate").GetProperty("format").GetString());
        Assert.Equal("date-time", instrument.GetProperty("lastSeenAt").GetProperty("format").GetString());
        Assert.True(instrument.GetProperty("lastSeenAt").GetProperty("nullable").GetBoolean());
        Assert.Equal("array", instrument.GetProperty("offerings").GetProperty("type").GetString());
        Assert.Contains("统一社会信用代码", schemas.GetProperty("Unit").GetProperty("properties").GetProperty("id").GetProperty("description").GetString());
        var payment = schemas.GetProperty("PaymentMethod").GetProperty("enum").EnumerateArray().Select(e => e.GetString());
        Assert.Equal(["cash", "transfer", "voucher"], payment);
        Assert.Contains("selfRaised", schemas.GetProperty("FundingSource").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.False(schemas.GetProperty("Sensor").GetProperty("properties").TryGetProperty("secretHash", out _));
    }

    [Fact]
    public async Task Security_scheme_is_oauth2_client_credentials()
    {
        var flow = (await DocumentAsync(node.CreateClient())).GetProperty("components").GetProperty("securitySchemes")
            .GetProperty("oauth2").GetProperty("flows").GetProperty("clientCredentials");
        Assert.Equal("/connect/token", flow.GetProperty("tokenUrl").GetString());
        Assert.Equal(["catalog.write", "records.write", "records.read", "federation", "vouchers", "admin"],
            flow.GetProperty("scopes").EnumerateObject().Select(s => s.Name));
    }

    [Fact]
    public async Task Minimal_api_endpoints_appear_with_name_summary_and_tags()
    {
        using var withProbe = node.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<IStartupFilter, ProbeEndpoint>()));
        var operation = (await DocumentAsync(withProbe.CreateClient())).GetProperty("paths").GetProperty("/probe/ping").GetProperty("get");
        Assert.Equal("probePing", operation.GetProperty("operationId").GetString());
        Assert.Equal("Answers pong", operation.GetProperty("summary").GetString());
        Assert.Equal("Probe", operation.GetProperty("tags")[0].GetString());
    }

    [Fact]
    public async Task Swagger_ui_is_served_without_a_token()
    {
        var client = node.CreateClient();
        var index = await client.GetAsync("/swagger/index.html");
        index.EnsureSuccessStatusCode();
        var root = await client.GetAsync("/swagger");
        Assert.True(root.IsSuccessStatusCode, $"/swagger answered {(int)root.StatusCode}");
    }

    private sealed class ProbeEndpoint : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.UseRouting();
            app.UseEndpoints(e => e.MapGet("/probe/ping", () => "pong")
                .WithName("probePing").WithSummary("Answers pong").WithTags("Probe").AllowAnonymous());
        };
    }
}
