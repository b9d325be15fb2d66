using System.Text.Json;
using DxyqOpenData.Schemas;
using DxyqOpenData.Tests.Infrastructure;

namespace DxyqOpenData.Tests.Schemas;

/// <summary>
/// The documents the schema tests run: every schema's own <c>examples</c> (valid), and the invalid corpus under
/// <c>Schemas/invalid/{schema}/*.json</c>, each named in its folder's <c>_reasons.json</c> with the JSON Pointer and
/// the keyword it must fail on and why. Add a case: write the document, add its line to <c>_reasons.json</c>.
/// </summary>
public static class SchemaCorpus
{
    public const string ReasonsFile = "_reasons.json";

    public static string InvalidRoot { get; } = RepoRoot.File("tests/DxyqOpenData.Tests/Schemas/invalid");

    public sealed record Example(string Schema, int Index, JsonElement Document)
    {
        public string Id => $"{Schema}/examples/{Index}";
    }

    public sealed record InvalidCase(string Schema, string File, string Path, string Keyword, string Reason)
    {
        public string Id => $"{Schema}/{System.IO.Path.GetFileName(File)}";
        public string Text => System.IO.File.ReadAllText(File);
    }

    public static IEnumerable<Example> Examples() =>
        SchemaRegistry.Default.All.SelectMany(info =>
            SchemaRegistry.Default.Find(info.Name, info.Version)!.Examples().Select((e, i) => new Example(info.Name, i, e)));

    public static IEnumerable<InvalidCase> Invalid() =>
        Directory.EnumerateDirectories(InvalidRoot).Order(StringComparer.Ordinal).SelectMany(dir =>
        {
            var schema = Path.GetFileName(dir);
            using var reasons = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, ReasonsFile)));
            return reasons.RootElement.EnumerateObject().Select(c => new InvalidCase(
                schema,
                Path.Combine(dir, c.Name),
                c.Value.GetProperty("path").GetString()!,
                c.Value.GetProperty("keyword").GetString()!,
                c.Value.GetProperty("reason").GetString()!)).ToList();
        });

    /// <summary>The committed file of a v1 schema, e.g. for ajv.</summary>
    public static string SchemaFile(string name, int major = 1) => RepoRoot.File($"schemas/{name}/v{major}.json");

    public static TheoryData<string> InvalidIds() => [.. Invalid().Select(c => c.Id)];

    public static TheoryData<string> ExampleIds() => [.. Examples().Select(e => e.Id)];
}
