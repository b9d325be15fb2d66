using System.Text.Json;
using DxyqOpenData.Schemas;

namespace DxyqOpenData.Tests.Schemas;

/// <summary>The shared schemas, through the registry the node validates pushes and imports with (NJsonSchema).</summary>
public sealed class SchemaValidationTests
{
    private static readonly string[] Expected =
    [
        "dataset", "instrument", "sensor", "sensor-reading", "service-offering", "service-record", "unit", "voucher-ledger-line",
    ];

    [Fact]
    public void Every_exchanged_document_has_a_v1_schema_with_examples_and_invalid_cases()
    {
        Assert.Equal(Expected, SchemaRegistry.Default.All.Where(s => s.Version == 1).Select(s => s.Name));
        Assert.All(Expected, name =>
        {
            Assert.NotEmpty(SchemaRegistry.Default.Find(name, 1)!.Examples());
            Assert.Contains(SchemaCorpus.Invalid(), c => c.Schema == name);
        });
    }

    [Fact]
    public void Every_invalid_document_has_its_reason_and_every_reason_its_document()
    {
        foreach (var dir in Directory.EnumerateDirectories(SchemaCorpus.InvalidRoot))
        {
            Assert.NotNull(SchemaRegistry.Default.Find(Path.GetFileName(dir), 1));
            var files = Directory.EnumerateFiles(dir, "*.json").Select(Path.GetFileName).Where(f => f != SchemaCorpus.ReasonsFile).Order();
            var named = SchemaCorpus.Invalid().Where(c => c.Schema == Path.GetFileName(dir)).Select(c => Path.GetFileName(c.File)).Order();
            Assert.Equal(files, named);
        }
    }

    [Fact]
    public void Schemas_carry_id_bilingual_titles_and_close_their_objects()
    {
        foreach (var info in SchemaRegistry.Default.All)
        {
            using var schema = JsonDocument.Parse(SchemaRegistry.Default.Find(info.Name, info.Version)!.Content);
            var root = schema.RootElement;
            Assert.Equal("http://json-schema.org/draft-07/schema#", root.GetProperty("$schema").GetString());
            Assert.Equal($"https://dxyq.example/schemas/{info.Name}/v{info.Version}.json", info.Id);
            Assert.Matches(@"\p{IsCJKUnifiedIdeographs}+ [A-Z]", info.Title);
            Assert.False(root.GetProperty("additionalProperties").GetBoolean(), info.Name);
            Assert.All(root.GetProperty("properties").EnumerateObject(), p =>
                Assert.True(p.Value.TryGetProperty("description", out _), $"{info.Name}: {p.Name} has no description"));
        }
    }

    [Theory]
    [MemberData(nameof(SchemaCorpus.ExampleIds), MemberType = typeof(SchemaCorpus))]
    public void Example_is_valid(string id)
    {
        var example = SchemaCorpus.Examples().Single(e => e.Id == id);

        var errors = SchemaRegistry.Default.Validate(example.Schema, 1, example.Document);

        Assert.Empty(errors);
    }

    [Theory]
    [MemberData(nameof(SchemaCorpus.InvalidIds), MemberType = typeof(SchemaCorpus))]
    public void Invalid_document_fails_for_its_reason(string id)
    {
        var invalid = SchemaCorpus.Invalid().Single(c => c.Id == id);

        var errors = SchemaRegistry.Default.Validate(invalid.Schema, 1, invalid.Text);

        Assert.True(errors.Any(e => e.Path == invalid.Path && e.Kind == invalid.Keyword),
            $"{id} ({invalid.Reason}): expected {invalid.Keyword} at {invalid.Path}, got {Describe(errors)}");
        // Only the named fault: the corpus documents are the valid example with one thing wrong.
        Assert.All(errors, e => Assert.True(e.Path == invalid.Path || e.Kind == "anyOf" || e.Path == "/paymentMethod",
            $"{id}: unexpected error {e}"));
    }

    [Fact]
    public void Errors_name_the_failing_value_in_words()
    {
        var errors = SchemaRegistry.Default.Validate(SchemaNames.Instrument, 1, """
            {"innerId":"A-1","name":"质谱仪","categoryCode":"030122","instrumentType":"general","priceCny":1000.001,
             "fundingSource":"fiscal","acceptanceDate":"2025-01-02","status":"normal","shareMode":"open","regionCode":"330106"}
            """);

        var error = Assert.Single(errors, e => e.Kind == "minimum");
        Assert.Equal("/priceCny", error.Path);
        Assert.Equal("Must be at least 300000.", error.Message);
        Assert.Equal("/priceCny", Assert.Single(errors, e => e.Kind == "multipleOf").Path);
    }

    [Fact]
    public void Text_that_is_not_json_is_one_error_not_an_exception()
    {
        var errors = SchemaRegistry.Default.Validate(SchemaNames.SensorReading, 1, "{\"state\":");

        Assert.Equal("json", Assert.Single(errors).Kind);
    }

    [Fact]
    public void Money_keeps_exact_cents_however_large()
    {
        var registry = SchemaRegistry.Default;
        string Line(string amount) => $$"""
            {"lineId":"1","voucherNo":"V","serviceRecord":{"unitId":"12330000470003281H","externalId":"R"},
             "enterpriseCreditCode":"91330127MA2B7K3P77","amountCny":{{amount}},"paidAt":"2026-03-03T10:15:00+08:00"}
            """;

        Assert.Empty(registry.Validate(SchemaNames.VoucherLedgerLine, 1, Line("0.07")));
        Assert.Empty(registry.Validate(SchemaNames.VoucherLedgerLine, 1, Line("987654321.99")));
        Assert.Empty(registry.Validate(SchemaNames.VoucherLedgerLine, 1, Line("1.10")));
        Assert.Equal("multipleOf", Assert.Single(registry.Validate(SchemaNames.VoucherLedgerLine, 1, Line("0.075"))).Kind);
    }

    [Fact]
    public void An_integer_is_written_without_a_fraction()
    {
        // ajv (JavaScript numbers) takes 42.0 as an integer; the node does not. docs/schemas.md tells senders to write 42.
        var errors = SchemaRegistry.Default.Validate(SchemaNames.SensorReading, 1,
            """{"timestamp":"2026-03-01T08:00:00+08:00","state":"running","seq":42.0}""");

        var error = Assert.Single(errors);
        Assert.Equal(("/seq", "type"), (error.Path, error.Kind));
    }

    private static string Describe(IEnumerable<SchemaError> errors) => string.Join("; ", errors.Select(e => $"{e.Kind} at '{e.Path}'"));
}
