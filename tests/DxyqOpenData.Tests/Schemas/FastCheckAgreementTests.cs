using System.Text.Json;
using System.Text.Json.Nodes;
using DxyqOpenData.Schemas;

namespace DxyqOpenData.Tests.Schemas;

/// <summary>
/// The push API and imports validate with <see cref="DocumentSchema.Validate(JsonElement)"/>: a compiled fast check that
/// only ever says "certainly valid", and NJsonSchema for everything else. These tests hold that path to NJsonSchema's
/// own verdicts (<see cref="DocumentSchema.Validate(string)"/>, the validator the ajv agreement tests compare): the same
/// verdict and the same errors (path, keyword, message) for the schema corpus and for thousands of mutations of the
/// examples (each property set to values around every bound, of every type, removed, or joined by an unknown one).
/// </summary>
public sealed class FastCheckAgreementTests
{
    private static readonly string[] Values =
    [
        "null", "true", "false", "0", "-0", "1", "-1", "2", "5", "6", "0.5", "1.5", "-0.01", "0.001", "0.01", "12.345", "1500", "1200.50",
        "8784", "8784.0", "8785", "1e3", "1E-2", "2147483648", "100000000000000000000000", "0.1000000000000000000000000001",
        "\"\"", "\" \"", "\"x\"", "\" x\"", "\"x \"", "\"a\\u00a0\"", "\"\\u00a0a\"", "\"a\\tb\"", "\"\\ud800\"", "\"😀\"", "\"a😀\"",
        "\"330127\"", "\"33012\"", "\"3301270\"", "\"３３０１２７\"", "\"91330127MA2B7K3P77\"", "\"91330127MA2B7K3P7I\"", "\"12330000470003281H\"",
        "\"2026-03-02T09:00:00+08:00\"", "\"2026-03-02T09:00:00Z\"", "\"2026-03-02T09:00:00.1234567Z\"", "\"2026-03-02T09:00:00.12345678Z\"",
        "\"2026-02-30T09:00:00+08:00\"", "\"2026-03-02T25:00:00Z\"", "\"2026-03-02T09:00:60Z\"", "\"2026-03-02 09:00:00Z\"",
        "\"2026-03-02T09:00:00\"", "\"2026-03-02T09:00:00+15:00\"", "\"2026-03-02\"", "\"2026-13-02\"", "\"2026-02-29\"", "\"2028-02-29\"",
        "\"https://example.org/a\"", "\"not a uri\"", "\"a@b.cn\"", "\"a@\"", "\"cash\"", "\"voucher\"", "\"transfer\"", "\"CASH\"",
        "\"application/json\"", "\"10.1234/abc\"", "\"CC-BY-4.0\"", "[]", "{}", "[\"a\"]", "{\"a\":1}",
    ];

    public static TheoryData<string> SchemaNames() => [.. SchemaRegistry.Default.All.Where(s => s.Version == 1).Select(s => s.Name)];

    [Fact]
    public void Every_schema_has_a_fast_check_and_it_accepts_every_example()
    {
        foreach (var example in SchemaCorpus.Examples())
        {
            var schema = SchemaRegistry.Default.Find(example.Schema, 1)!;
            Assert.True(schema.HasFastCheck, $"{example.Schema} has no fast check");
            Assert.True(schema.IsCertainlyValid(example.Document), $"the fast check does not accept {example.Id}");
            Assert.Empty(schema.Validate(example.Document));
        }
    }

    [Theory]
    [MemberData(nameof(SchemaCorpus.InvalidIds), MemberType = typeof(SchemaCorpus))]
    public void The_push_path_refuses_the_invalid_document_exactly_as_NJsonSchema(string id)
    {
        var invalid = SchemaCorpus.Invalid().Single(c => c.Id == id);
        var schema = SchemaRegistry.Default.Find(invalid.Schema, 1)!;
        using var document = JsonDocument.Parse(invalid.Text);

        Assert.False(schema.IsCertainlyValid(document.RootElement));
        Assert.Equal(Describe(schema.Validate(invalid.Text)), Describe(schema.Validate(document.RootElement)));
        Assert.Contains(schema.Validate(document.RootElement), e => e.Path == invalid.Path && e.Kind == invalid.Keyword);
    }

    [Theory]
    [MemberData(nameof(SchemaNames))]
    public void The_push_path_agrees_with_NJsonSchema_on_mutations_of_the_examples(string name)
    {
        var schema = SchemaRegistry.Default.Find(name, 1)!;
        var (checkedCount, fast, disagreements) = (0, 0, new List<string>());
        foreach (var text in Mutations(schema))
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(text);
            }
            catch (JsonException)
            {
                continue; // not JSON at all: the push API refuses the body before any schema
            }
            using (document)
            {
                checkedCount++;
                var expected = Describe(schema.Validate(text));
                var certain = schema.IsCertainlyValid(document.RootElement);
                fast += certain ? 1 : 0;
                if (certain && expected.Count > 0)
                {
                    disagreements.Add($"fast check accepts what NJsonSchema refuses ({string.Join("; ", expected)}): {text}");
                }
                var actual = Describe(schema.Validate(document.RootElement));
                if (!actual.SequenceEqual(expected))
                {
                    disagreements.Add($"{string.Join("; ", actual)} != {string.Join("; ", expected)}: {text}");
                }
            }
        }
        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements.Take(20)));
        Assert.True(checkedCount > 100, $"only {checkedCount} mutations");
        Assert.True(fast > 0, "no mutation took the fast path");
    }

    private static List<string> Describe(IEnumerable<SchemaError> errors) => [.. errors.Select(e => $"{e.Path} {e.Kind}: {e.Message}")];

    private static IEnumerable<string> Mutations(DocumentSchema schema)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using (var file = JsonDocument.Parse(schema.Content))
        {
            foreach (var p in file.RootElement.GetProperty("properties").EnumerateObject())
            {
                names.Add(p.Name);
            }
        }
        foreach (var example in schema.Examples())
        {
            var original = JsonNode.Parse(example.GetRawText())!.AsObject();
            yield return original.ToJsonString();
            foreach (var name in names)
            {
                foreach (var value in Values.Concat(LongStrings()))
                {
                    var copy = original.DeepClone().AsObject();
                    copy.Remove(name);
                    var text = copy.ToJsonString();
                    var inserted = text.Length > 2 ? $"{{\"{name}\":{value},{text[1..]}" : $"{{\"{name}\":{value}}}";
                    yield return inserted;
                }
                var without = original.DeepClone().AsObject();
                if (without.Remove(name))
                {
                    yield return without.ToJsonString();
                }
            }
            var extra = original.DeepClone().AsObject();
            extra["notInTheSchema"] = 1;
            yield return extra.ToJsonString();
            // A duplicate name: Newtonsoft keeps the last value, System.Text.Json sees both.
            var first = original.First();
            yield return $"{{\"{first.Key}\":{first.Value!.ToJsonString()},{original.ToJsonString()[1..]}";
            // The same name again, spelled with an escape, and again last with an invalid value.
            var escaped = string.Concat(first.Key.Select(c => $"\\u{(int)c:x4}"));
            yield return $"{{\"{escaped}\":{first.Value!.ToJsonString()},{original.ToJsonString()[1..]}";
            yield return $"{original.ToJsonString()[..^1]},\"{escaped}\":{{}}}}";
            yield return $"{original.ToJsonString()[..^1]},\"{first.Key}\":[]}}";
        }
    }

    private static IEnumerable<string> LongStrings()
    {
        foreach (var n in new[] { 1, 2, 5, 6, 17, 18, 19, 63, 64, 65, 99, 100, 101, 199, 200, 201, 255, 256, 500, 501, 1999, 2000, 2001 })
        {
            yield return JsonSerializer.Serialize(new string('a', n));
            yield return JsonSerializer.Serialize(new string('中', n));
            yield return JsonSerializer.Serialize(string.Concat(Enumerable.Repeat("😀", n)));
            yield return JsonSerializer.Serialize(string.Concat(Enumerable.Repeat("e\u0301", n)));
        }
    }
}
