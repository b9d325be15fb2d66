using DxyqOpenData.Tests.Infrastructure;

namespace DxyqOpenData.Tests.OpenApi;

/// <summary>The committed openapi.yaml is the contract peers read: it must be exactly what the node serves.</summary>
public sealed class OpenApiDriftTests(SqliteNode node) : IClassFixture<SqliteNode>
{
    private const string Regenerate = "dotnet run --project api -- openapi openapi.yaml";

    [Fact]
    public async Task Committed_openapi_yaml_is_the_served_document()
    {
        var served = await node.CreateClient().GetStringAsync("/swagger/v1/swagger.yaml");
        var committedFile = RepoRoot.File("openapi.yaml");
        Assert.True(File.Exists(committedFile), $"openapi.yaml is missing at the repo root. Create it with: {Regenerate}");
        var committed = await File.ReadAllTextAsync(committedFile);

        if (Normalize(served) == Normalize(committed))
        {
            return;
        }
        var servedLines = Normalize(served).Split('\n');
        var committedLines = Normalize(committed).Split('\n');
        var line = 0;
        while (line < servedLines.Length && line < committedLines.Length && servedLines[line] == committedLines[line])
        {
            line++;
        }
        Assert.Fail($"""
            openapi.yaml differs from the served /swagger/v1/swagger.yaml. If the API change is intended, regenerate it
            from the repo root with `{Regenerate}` and commit it (docs/api.md).
            First difference at line {line + 1}:
              committed: {At(committedLines, line)}
              served:    {At(servedLines, line)}
            """);
    }

    [Fact]
    public async Task Json_and_yaml_documents_are_served()
    {
        var client = node.CreateClient();
        var json = await client.GetAsync("/swagger/v1/swagger.json");
        json.EnsureSuccessStatusCode();
        Assert.Equal("application/json", json.Content.Headers.ContentType?.MediaType);
        var text = await json.Content.ReadAsStringAsync();
        Assert.Contains("\"/odata/Instruments\"", text);
        Assert.Contains("大型科研仪器开放数据交换节点", text);
    }

    // A checkout with autocrlf must not fail the comparison; nothing else is forgiven.
    private static string Normalize(string text) => text.Replace("\r\n", "\n");

    private static string At(string[] lines, int index) => index < lines.Length ? lines[index] : "<end of file>";
}
