using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace DxyqOpenData.Tests.Operations;

public sealed class OperationsTests
{
    private static readonly Dictionary<string, string?> EmptyNode = new() { ["Demo:Enabled"] = "false" };

    [Fact]
    public async Task Live_is_200_while_the_process_runs()
    {
        await using var node = new NodeFactory(DatabaseProvider.Sqlite, EmptyNode);
        var response = await node.CreateClient().GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Ready_is_200_on_a_migrated_database(DatabaseProvider provider)
    {
        await using var node = new NodeFactory(provider, EmptyNode);
        var response = await node.CreateClient().GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var database = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("checks").GetProperty("database");
        Assert.Equal("Healthy", database.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Ready_is_503_naming_the_migrations_still_pending(DatabaseProvider provider)
    {
        await using var node = new NodeFactory(provider, new Dictionary<string, string?>(EmptyNode)
        {
            ["Database:MigrateOnStartup"] = "false",
        });
        if (provider == DatabaseProvider.Sqlite)
        {
            // An empty database, not a missing one (PostgreSQL's test databases start empty).
            using var connection = new SqliteConnection(node.ConnectionString);
            connection.Open();
        }
        var response = await node.CreateClient().GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Unhealthy", body.GetProperty("status").GetString());
        var database = body.GetProperty("checks").GetProperty("database");
        Assert.Equal("Unhealthy", database.GetProperty("status").GetString());
        Assert.NotEmpty(database.GetProperty("data").GetProperty("pendingMigrations").EnumerateArray());
    }

    [Fact]
    public async Task Metrics_count_requests_in_prometheus_text_format()
    {
        await using var node = new NodeFactory(DatabaseProvider.Sqlite, EmptyNode);
        var client = node.CreateClient();
        (await client.GetAsync("/health/ready")).EnsureSuccessStatusCode();

        var response = await client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("http_requests_received_total{", text);
        Assert.Contains("dxyq_database_ready ", text);
        Assert.Contains("dxyq_build_info{", text);
    }
}
