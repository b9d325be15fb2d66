using DxyqOpenData.Schemas;
using DxyqOpenData.Tests.Infrastructure;

namespace DxyqOpenData.Tests.Schemas;

public sealed class SchemaCompatibilityTests
{
    private const string Base = """
        {
          "$id": "https://dxyq.example/schemas/thing/v1.json",
          "type": "object",
          "additionalProperties": false,
          "required": ["key"],
          "properties": {
            "key": { "type": "string", "maxLength": 64, "pattern": "^[A-Z]+$" },
            "priceCny": { "$ref": "#/definitions/cny" },
            "status": { "type": "string", "enum": ["normal", "idle"] },
            "count": { "type": "integer", "minimum": 0, "maximum": 100 },
            "note": { "type": "string" },
            "reference": { "type": "object", "properties": { "unitId": { "type": "string", "minLength": 18 } } }
          },
          "definitions": { "cny": { "type": "number", "minimum": 0, "multipleOf": 0.01 } }
        }
        """;

    [Theory]
    [InlineData("a removed property", "\"note\": { \"type\": \"string\" },", "", "/properties/note", "removedProperty")]
    [InlineData("a new required property", "\"required\": [\"key\"]", "\"required\": [\"key\", \"note\"]", "/required", "newRequired")]
    [InlineData("a narrowed type", "\"count\": { \"type\": \"integer\"", "\"count\": { \"type\": \"string\"", "/properties/count", "narrowedType")]
    [InlineData("number narrowed to integer", "\"cny\": { \"type\": \"number\"", "\"cny\": { \"type\": \"integer\"", "/properties/priceCny", "narrowedType")]
    [InlineData("a new enum restriction", "\"note\": { \"type\": \"string\" }", "\"note\": { \"type\": \"string\", \"enum\": [\"a\"] }", "/properties/note", "enum")]
    [InlineData("a removed enum value", "[\"normal\", \"idle\"]", "[\"normal\"]", "/properties/status", "enum")]
    [InlineData("a raised minimum (through a $ref)", "\"minimum\": 0, \"multipleOf\"", "\"minimum\": 300000, \"multipleOf\"", "/properties/priceCny", "tightened")]
    [InlineData("a lowered maximum", "\"maximum\": 100", "\"maximum\": 99", "/properties/count", "tightened")]
    [InlineData("a shorter maxLength", "\"maxLength\": 64", "\"maxLength\": 32", "/properties/key", "tightened")]
    [InlineData("a longer minLength in a nested object", "\"minLength\": 18", "\"minLength\": 19", "/properties/reference/properties/unitId", "tightened")]
    [InlineData("a coarser multipleOf", "\"multipleOf\": 0.01", "\"multipleOf\": 0.1", "/properties/priceCny", "tightened")]
    [InlineData("a changed pattern", "^[A-Z]+$", "^[A-Z0-9]+$", "/properties/key", "pattern")]
    [InlineData("a new format", "\"note\": { \"type\": \"string\" }", "\"note\": { \"type\": \"string\", \"format\": \"date\" }", "/properties/note", "format")]
    [InlineData("additionalProperties turned off", "\"reference\": { \"type\": \"object\",", "\"reference\": { \"type\": \"object\", \"additionalProperties\": false,", "/properties/reference/additionalProperties", "additionalProperties")]
    [InlineData("a new $id", "thing/v1.json", "thing/v2.json", "/$id", "id")]
    public void Reports_a_breaking_change(string what, string before, string after, string location, string kind)
    {
        var changed = Base.Replace(before, after, StringComparison.Ordinal);
        Assert.NotEqual(Base, changed);

        var changes = SchemaCompatibility.Check(Base, changed);

        Assert.True(changes.Any(c => c.Location == location && c.Kind == kind),
            $"{what}: expected {kind} at {location}, got {string.Join("; ", changes)}");
    }

    [Theory]
    [InlineData("a new optional property", "\"note\": { \"type\": \"string\" },", "\"note\": { \"type\": \"string\" }, \"extra\": { \"type\": \"string\" },")]
    [InlineData("a new enum value", "[\"normal\", \"idle\"]", "[\"normal\", \"idle\", \"scrapped\"]")]
    [InlineData("a looser maximum", "\"maximum\": 100", "\"maximum\": 1000")]
    [InlineData("a longer maxLength", "\"maxLength\": 64", "\"maxLength\": 128")]
    [InlineData("integer widened to number", "\"count\": { \"type\": \"integer\"", "\"count\": { \"type\": \"number\"")]
    [InlineData("a finer multipleOf", "\"multipleOf\": 0.01", "\"multipleOf\": 0.001")]
    [InlineData("a required property no longer required", "\"required\": [\"key\"]", "\"required\": []")]
    [InlineData("a new description", "\"note\": { \"type\": \"string\" }", "\"note\": { \"type\": \"string\", \"description\": \"备注 / Note\" }")]
    [InlineData("a rule moved into a definition", "\"count\": { \"type\": \"integer\", \"minimum\": 0, \"maximum\": 100 }", "\"count\": { \"$ref\": \"#/definitions/count\" }")]
    public void Accepts_a_compatible_change(string what, string before, string after)
    {
        var changed = Base.Replace(before, after, StringComparison.Ordinal)
            .Replace("\"definitions\": {", "\"definitions\": { \"count\": { \"type\": \"integer\", \"minimum\": 0, \"maximum\": 100 },", StringComparison.Ordinal);
        Assert.NotEqual(Base, changed);

        var changes = SchemaCompatibility.Check(Base, changed);

        Assert.True(changes.Count == 0, $"{what}: {string.Join("; ", changes)}");
    }

    /// <summary>
    /// schemas/.released/ holds each major version as it was released. The committed file may grow (compatible changes)
    /// but never break what unit systems were built against; and a released major is never withdrawn.
    /// </summary>
    [Fact]
    public void Committed_schemas_are_compatible_with_their_released_versions()
    {
        var released = SchemaRegistry.FromDirectory(RepoRoot.File("schemas/.released"));
        Assert.NotEmpty(released.All);

        foreach (var info in released.All)
        {
            var current = SchemaRegistry.Default.Find(info.Name, info.Version);
            Assert.True(current is not null, $"{info.Name}/v{info.Version} was released and must keep being served.");
            var changes = SchemaCompatibility.Check(
                File.ReadAllText(RepoRoot.File($"schemas/.released/{info.Name}/v{info.Version}.json")),
                File.ReadAllText(RepoRoot.File($"schemas/{info.Name}/v{info.Version}.json")));
            Assert.True(changes.Count == 0,
                $"{info.Name}/v{info.Version} breaks its released version; make the change in v{info.Version + 1} instead: {string.Join("; ", changes)}");
        }
    }

    [Fact]
    public void Every_served_schema_has_been_released()
    {
        var released = SchemaRegistry.FromDirectory(RepoRoot.File("schemas/.released"));

        Assert.All(SchemaRegistry.Default.All, info => Assert.True(released.Find(info.Name, info.Version) is not null,
            $"Copy schemas/{info.Name}/v{info.Version}.json to schemas/.released/{info.Name}/ when you release it (docs/schemas.md)."));
    }
}
