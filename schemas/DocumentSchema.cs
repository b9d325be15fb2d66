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
    private readonly FastCheck? _fastCheck;

    private DocumentSchema(SchemaInfo info, byte[] content, JsonSchema schema)
    {
        Info = info;
        Content = content;
        _schema = schema;
        _fastCheck = FastCheck.TryCreate(schema, content, Settings);
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

    /// <summary>
    /// Every reason <paramref name="document"/> fails the schema; empty when it is valid. Exactly NJsonSchema's verdict
    /// and errors: a document the compiled fast check (<see cref="IsCertainlyValid"/>) accepts is one NJsonSchema
    /// accepts, and every other document is validated by NJsonSchema itself.
    /// </summary>
    public IReadOnlyList<SchemaError> Validate(JsonElement document) =>
        IsCertainlyValid(document) ? [] : Validate(document.GetRawText());

    /// <summary>Whether the fast check alone can tell that <paramref name="document"/> is valid (no NJsonSchema run needed).</summary>
    public bool IsCertainlyValid(JsonElement document) => _fastCheck?.Accepts(document) == true;

    /// <summary>Whether this schema has a fast check at all (it uses only keywords the check knows).</summary>
    public bool HasFastCheck => _fastCheck is not null;

    /// <summary>Every reason the JSON text fails the schema, by NJsonSchema alone (no fast check).</summary>
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
        // NJsonSchema cannot compare an integer beyond 64 bits (Newtonsoft reads it as a BigInteger) and throws: such a
        // number is refused here, where it stands, before NJsonSchema sees the document.
        var huge = (token is JContainer container ? container.DescendantsAndSelf() : [token]).OfType<JValue>().Where(v => v.Value is System.Numerics.BigInteger).ToList();
        if (huge.Count > 0)
        {
            return [.. huge.Select(v => new SchemaError(SchemaErrors.Pointer(v.Path), "The number is too large (more than 64 bits): it cannot be checked or stored.", "range"))];
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
