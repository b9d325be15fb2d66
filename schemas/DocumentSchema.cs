using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using NJsonSchema;
using NJsonSchema.Validation;

namespace DxyqOpenData.Schemas;

/// <summary>One shared schema: its file as committed, and the parsed schema that validates documents against it.</summary>
public sealed partial class DocumentSchema
{
    private static readonly JsonSchemaValidatorSettings Settings = CreateSettings();

    private readonly JsonSchema _schema;

    private DocumentSchema(SchemaInfo info, byte[] content, JsonSchema schema)
    {
        Info = info;
        Content = content;
        _schema = schema;
    }

    public SchemaInfo Info { get; }

    /// <summary>The file's bytes, exactly as committed: what <c>GET /schemas/{name}/v{major}.json</c> serves.</summary>
    public ReadOnlyMemory<byte> Content { get; }

    /// <summary>The documents the schema gives under <c>examples</c>, each of which it accepts.</summary>
    public IReadOnlyList<JsonElement> Examples()
    {
        using var document = JsonDocument.Parse(Content);
        return document.RootElement.TryGetProperty("examples", out var examples)
            ? [.. examples.EnumerateArray().Select(e => e.Clone())]
            : [];
    }

    /// <summary>Every reason <paramref name="document"/> fails the schema; empty when it is valid.</summary>
    public IReadOnlyList<SchemaError> Validate(JsonElement document) => Validate(document.GetRawText());

    /// <inheritdoc cref="Validate(JsonElement)"/>
    public IReadOnlyList<SchemaError> Validate(string json)
    {
        JToken token;
        try
        {
            // Dates stay strings (format checks see the text) and numbers stay decimal (multipleOf 0.01 is exact).
            using var reader = new JsonTextReader(new StringReader(json))
            {
                DateParseHandling = DateParseHandling.None,
                FloatParseHandling = FloatParseHandling.Decimal,
            };
            token = JToken.ReadFrom(reader);
            if (reader.Read())
            {
                return [new SchemaError("", "Unexpected content after the JSON document.", "json")];
            }
        }
        catch (Exception e) when (e is JsonReaderException or OverflowException)
        {
            return [new SchemaError("", $"Not a JSON document: {e.Message}", "json")];
        }
        var errors = new List<SchemaError>();
        foreach (var error in _schema.Validate(token, Settings))
        {
            SchemaErrors.Add(errors, error);
        }
        return errors;
    }

    internal static DocumentSchema Load(string name, string fileName, byte[] content)
    {
        var match = FileName().Match(fileName);
        if (!match.Success)
        {
            throw new InvalidDataException($"Schema file {name}/{fileName} is not named v{{major}}.json.");
        }
        var major = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var text = Encoding.UTF8.GetString(content);
        var schema = JsonSchema.FromJsonAsync(text).GetAwaiter().GetResult();
        using var document = JsonDocument.Parse(content);
        var root = document.RootElement;
        var info = new SchemaInfo(
            name,
            major,
            $"/schemas/{name}/v{major}.json",
            root.GetProperty("$id").GetString()!,
            root.GetProperty("title").GetString()!);
        return new DocumentSchema(info, content, schema);
    }

    private static JsonSchemaValidatorSettings CreateSettings()
    {
        // NJsonSchema matches patterns through Regex's static cache (15 by default); the schemas hold more distinct
        // patterns than that, and a cache that thrashes re-parses every pattern of every document.
        Regex.CacheSize = Math.Max(Regex.CacheSize, 128);
        // The first validator of a format wins, so the strict date-time replaces the built-in one.
        var settings = new JsonSchemaValidatorSettings();
        settings.FormatValidators = [new StrictDateTimeFormat(), .. settings.FormatValidators.Where(v => v.Format != "date-time")];
        return settings;
    }

    [GeneratedRegex(@"^v([1-9][0-9]*)\.json$")]
    private static partial Regex FileName();
}
