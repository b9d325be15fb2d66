using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;

namespace DxyqOpenData.Tests.Schemas;

public sealed class SchemasApiTests(SchemasApiTests.EmptyNode node) : IClassFixture<SchemasApiTests.EmptyNode>
{
    public sealed class EmptyNode() : NodeFactory(DatabaseProvider.Sqlite, new Dictionary<string, string?> { ["Demo:Enabled"] = "false" });

    [Fact]
    public async Task Lists_every_schema_with_name_version_url_and_title_to_anyone()
    {
        var list = await node.CreateClient().GetFromJsonAsync<JsonElement>("/schemas");

        var instrument = Assert.Single(list.EnumerateArray(), s => s.GetProperty("name").GetString() == "instrument");
        Assert.Equal(1, instrument.GetProperty("version").GetInt32());
        Assert.Equal("/schemas/instrument/v1.json", instrument.GetProperty("url").GetString());
        Assert.Equal("大型科研仪器 Instrument", instrument.GetProperty("title").GetString());
        Assert.Equal("https://dxyq.example/schemas/instrument/v1.json", instrument.GetProperty("id").GetString());
        var names = list.EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToList();
        Assert.Equal(Directory.EnumerateFiles(RepoRoot.File("schemas"), "v1.json", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/.released/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal))
            .Select(f => Path.GetFileName(Path.GetDirectoryName(f))).Order(), names.Order());
    }

    [Fact]
    public async Task Every_listed_url_serves_the_committed_file_byte_for_byte()
    {
        var client = node.CreateClient();
        var list = await client.GetFromJsonAsync<JsonElement>("/schemas");

        foreach (var schema in list.EnumerateArray())
        {
            var response = await client.GetAsync(schema.GetProperty("url").GetString());

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/schema+json", response.Content.Headers.ContentType?.MediaType);
            var file = RepoRoot.File($"schemas/{schema.GetProperty("name").GetString()}/v{schema.GetProperty("version").GetInt32()}.json");
            Assert.Equal(await File.ReadAllBytesAsync(file), await response.Content.ReadAsByteArrayAsync());
        }
    }

    [Theory]
    [InlineData("/schemas/instrument/v2.json")]
    [InlineData("/schemas/no-such-thing/v1.json")]
    public async Task Unknown_schema_is_a_404_problem(string url)
    {
        var response = await node.CreateClient().GetAsync(url);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("urn:dxyq:problem:not-found", problem.GetProperty("type").GetString());
    }
}
