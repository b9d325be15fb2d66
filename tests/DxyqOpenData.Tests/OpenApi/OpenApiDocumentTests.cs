using System.Text.Json;
using Microsoft.OData.Edm;
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
            // Every set takes $apply and $compute (CatalogQueryAttribute allows both), so every collection says so.
            Assert.Contains("$apply", ParameterNames(list));
            Assert.Contains("$compute", ParameterNames(list));
            Assert.Equal(set is "ServiceRecords" or "Alerts", list.GetProperty("responses").TryGetProperty("401", out _));
            Assert.Equal(set is "ServiceRecords" or "Alerts", list.GetProperty("security")[0].TryGetProperty("oauth2", out _));

            var byKey = paths.EnumerateObject().Single(p => p.Name.StartsWith($"/odata/{set}(", StringComparison.Ordinal) && p.Name.EndsWith(')')).Value.GetProperty("get");
            Assert.Contains("$compute", ParameterNames(byKey));
            var key = byKey.GetProperty("parameters")[0].GetProperty("schema");
            Assert.Equal(set is "Units" or "Sensors" ? null : "uuid", key.TryGetProperty("format", out var f) ? f.GetString() : null);
            Assert.True(byKey.GetProperty("responses").TryGetProperty("404", out _));
        }
    }

    [Fact]
    public async Task Every_navigation_property_has_its_route_and_its_nullability()
    {
        var document = await DocumentAsync(node.CreateClient());
        var paths = document.GetProperty("paths");
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var model = DxyqOpenData.Api.Catalog.CatalogEdmModel.Get();
        var navigations = 0;
        foreach (var set in model.EntityContainer.EntitySets())
        {
            var keySegment = set.EntityType.Key().Single().Type.IsString() ? "('{key}')" : "({key})";
            foreach (var navigation in set.EntityType.NavigationProperties())
            {
                navigations++;
                var operation = paths.GetProperty($"/odata/{set.Name}{keySegment}/{navigation.Name}").GetProperty("get");
                Assert.Equal(set.Name, operation.GetProperty("tags")[0].GetString());
                Assert.Equal(navigation.Type.IsCollection(), ParameterNames(operation).Contains("$top"));
                Assert.True(operation.GetProperty("responses").TryGetProperty("404", out _));
                var property = schemas.GetProperty(set.EntityType.Name).GetProperty("properties").GetProperty(navigation.Name);
                var nullable = property.TryGetProperty("nullable", out var n) && n.GetBoolean();
                Assert.True(nullable == (!navigation.Type.IsCollection() && navigation.Type.IsNullable), $"{set.EntityType.Name}.{navigation.Name} nullable: {nullable}");
            }
        }
        Assert.True(navigations >= 8);
        Assert.True(schemas.GetProperty("Instrument").GetProperty("properties").GetProperty("sensor").GetProperty("nullable").GetBoolean());
    }

    [Fact]
    public async Task Yaml_quotes_every_string_yaml_1_1_reads_as_a_boolean_or_null()
    // (true, false and null the writer quotes already when they are strings; unquoted they are the document's own booleans.)
    {
        var yaml = await node.CreateClient().GetStringAsync("/swagger/v1/swagger.yaml");
        var bare = System.Text.RegularExpressions.Regex.Matches(yaml, @"(?im)^\s*(?:-\s+|[\w$@.'-]+:\s+)(y|yes|n|no|on|off|~)\s*$");
        Assert.True(bare.Count == 0, "unquoted: " + string.Join(", ", bare.Select(m => m.Value.Trim())));
        // Every such enum member of the model (RunState's off, …) is written, quoted.
        var members = DxyqOpenData.Api.Catalog.CatalogEdmModel.Get().SchemaElements.OfType<Microsoft.OData.Edm.IEdmEnumType>()
            .SelectMany(t => t.Members).Select(m => m.Name)
            .Where(m => System.Text.RegularExpressions.Regex.IsMatch(m, "^(y|yes|n|no|on|off|true|false|null)$", System.Text.RegularExpressions.RegexOptions.IgnoreCase)).ToList();
        Assert.Contains("off", members);
        Assert.All(members, m => Assert.Contains($"- '{m}'", yaml));
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
