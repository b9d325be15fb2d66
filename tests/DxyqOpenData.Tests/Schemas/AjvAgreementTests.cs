using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using DxyqOpenData.Schemas;
using DxyqOpenData.Tests.Infrastructure;

namespace DxyqOpenData.Tests.Schemas;

/// <summary>
/// The schemas are a contract for unit systems written in any language, so a second, independent validator must read
/// them the same way: every example and every invalid document goes through ajv (draft-07, ajv-formats; see
/// tests/tools/ajv-validate.js), and the test fails wherever ajv and NJsonSchema disagree. test.sh installs ajv
/// (`npm ci --prefix tests/tools`).
/// </summary>
public sealed class AjvAgreementTests
{
    private static readonly Lazy<Dictionary<string, AjvResult>> Results = new(RunAjv);

    private sealed record AjvError(string Path, string Keyword, string Message);

    private sealed record AjvResult(string Id, bool Valid, List<AjvError> Errors);

    [Theory]
    [MemberData(nameof(SchemaCorpus.ExampleIds), MemberType = typeof(SchemaCorpus))]
    public void Ajv_accepts_the_example(string id)
    {
        var result = Results.Value[id];

        Assert.True(result.Valid, $"ajv refuses {id}: {string.Join("; ", result.Errors)}");
    }

    [Theory]
    [MemberData(nameof(SchemaCorpus.InvalidIds), MemberType = typeof(SchemaCorpus))]
    public void Ajv_and_NJsonSchema_refuse_the_invalid_document_for_the_same_reason(string id)
    {
        var invalid = SchemaCorpus.Invalid().Single(c => c.Id == id);
        var ajv = Results.Value[id];
        var ours = SchemaRegistry.Default.Validate(invalid.Schema, 1, invalid.Text);

        Assert.False(ajv.Valid, $"ajv accepts {id} ({invalid.Reason})");
        Assert.Contains(ajv.Errors, e => e.Path == invalid.Path && e.Keyword == invalid.Keyword);
        // The same failing places: a disagreement on any of them is a document one side would take and the other not.
        Assert.Equal(
            ajv.Errors.Where(e => e.Keyword is not ("anyOf" or "if")).Select(e => (e.Path, e.Keyword)).ToHashSet(),
            ours.Where(e => e.Kind is not ("anyOf" or "if")).Select(e => (e.Path, e.Kind)).ToHashSet());
    }

    private static Dictionary<string, AjvResult> RunAjv()
    {
        var tools = RepoRoot.File("tests/tools");
        Assert.True(Directory.Exists(Path.Combine(tools, "node_modules", "ajv")),
            "ajv is not installed: run `npm ci --prefix tests/tools` (test.sh does it).");
        var items = new JsonArray();
        foreach (var example in SchemaCorpus.Examples())
        {
            items.Add(Item(example.Id, example.Schema, JsonNode.Parse(example.Document.GetRawText())));
        }
        foreach (var invalid in SchemaCorpus.Invalid())
        {
            items.Add(Item(invalid.Id, invalid.Schema, JsonNode.Parse(invalid.Text)));
        }

        using var node = Process.Start(new ProcessStartInfo("node", [Path.Combine(tools, "ajv-validate.js")])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = tools,
        })!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        node.StandardInput.Write(items.ToJsonString());
        node.StandardInput.Close();
        Assert.True(node.WaitForExit(TimeSpan.FromMinutes(1)), "ajv did not finish within a minute");
        Assert.True(node.ExitCode == 0, $"ajv failed: {stderr.Result}");

        var results = JsonSerializer.Deserialize<List<AjvResult>>(stdout.Result, JsonSerializerOptions.Web)!;
        return results.ToDictionary(r => r.Id);
    }

    private static JsonObject Item(string id, string schema, JsonNode? data) => new()
    {
        ["id"] = id,
        ["schema"] = SchemaCorpus.SchemaFile(schema),
        ["data"] = data,
    };
}
