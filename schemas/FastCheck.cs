using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;
using NJsonSchema;
using NJsonSchema.Validation;
using NJsonSchema.Validation.FormatValidators;

namespace DxyqOpenData.Schemas;

/// <summary>
/// A quick, allocation-light check of a <see cref="JsonElement"/> against one schema, compiled from the schema as
/// NJsonSchema parsed it. It answers only "certainly valid" (true) or "not sure" (false): on every keyword it applies
/// NJsonSchema's own rule (patterns through .NET Regex with default options, lengths in UTF-16 units, formats through the
/// same format validators, numbers as decimals) or a stricter one (a number must be one Newtonsoft reads exactly; nulls,
/// duplicate property names and schemas on non-matching kinds of values are never "certain"), so whatever it accepts
/// NJsonSchema accepts too. Anything else goes to NJsonSchema, which alone produces errors: the
/// verdicts and error paths are NJsonSchema's. A schema using a keyword this check does not know gets no fast check.
/// </summary>
internal sealed class FastCheck
{
    // The keywords the check understands (and the annotations it may ignore). Any other keyword anywhere in the schema
    // file disables the fast check for that schema, so a new keyword can never be skipped silently.
    private static readonly HashSet<string> KnownKeywords =
    [
        "$schema", "$id", "$ref", "$comment", "title", "description", "examples", "definitions",
        "type", "properties", "required", "additionalProperties", "anyOf", "allOf", "enum",
        "pattern", "minLength", "maxLength", "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    ];

    private readonly Node _root;

    private FastCheck(Node root) => _root = root;

    /// <summary>The fast check for <paramref name="schema"/>, or null when the schema uses something it does not handle.</summary>
    public static FastCheck? TryCreate(JsonSchema schema, ReadOnlyMemory<byte> file, JsonSchemaValidatorSettings settings)
    {
        using (var document = JsonDocument.Parse(file))
        {
            if (!OnlyKnownKeywords(document.RootElement))
            {
                return null;
            }
        }
        // The validators NJsonSchema runs for a format: those of the settings it validates with.
        var formats = settings.FormatValidators
            .GroupBy(v => v.Format, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        var built = new Dictionary<JsonSchema, Node>(ReferenceEqualityComparer.Instance);
        var root = Node.Build(schema.ActualSchema, formats, built);
        return root.Supported ? new FastCheck(root) : null;
    }

    /// <summary>True only when NJsonSchema certainly finds no error in <paramref name="document"/>.</summary>
    public bool Accepts(JsonElement document)
    {
        try
        {
            return NewtonsoftReadsAlike(document, 0) && _root.Accepts(document);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException or OverflowException or RegexMatchTimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// Whether Newtonsoft (decimal floats, long integers) reads every number of the document to the value this check
    /// sees: plain literals of at most 18 digits, no exponent. Anything else is left to NJsonSchema.
    /// </summary>
    private static bool NewtonsoftReadsAlike(JsonElement element, int depth)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Number:
                return PlainNumber(JsonMarshal.GetRawUtf8Value(element), out _);
            case JsonValueKind.Object:
                // A repeated name: Newtonsoft keeps the last value, System.Text.Json sees both; leave it to NJsonSchema.
                if (!NamesUnique(element))
                {
                    return false;
                }
                foreach (var property in element.EnumerateObject())
                {
                    if (!NewtonsoftReadsAlike(property.Value, depth + 1))
                    {
                        return false;
                    }
                }
                return depth < 32;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (!NewtonsoftReadsAlike(item, depth + 1))
                    {
                        return false;
                    }
                }
                return depth < 32;
            default:
                return true;
        }
    }

    /// <summary>
    /// Whether no property name of the object repeats, compared on the raw UTF-8 names without allocating. A name
    /// written with an escape (which could spell another name differently) or an object of more than 64 properties is
    /// not decided here: false, so NJsonSchema decides.
    /// </summary>
    private static bool NamesUnique(JsonElement element)
    {
        Span<int> hashes = stackalloc int[64];
        var count = 0;
        foreach (var property in element.EnumerateObject())
        {
            var name = JsonMarshal.GetRawUtf8PropertyName(property);
            if (count == hashes.Length || name.IndexOf((byte)'\\') >= 0)
            {
                return false;
            }
            var hash = Fnv1a(name);
            for (var i = 0; i < count; i++)
            {
                if (hashes[i] == hash && SameNameAt(element, i, name))
                {
                    return false;
                }
            }
            hashes[count++] = hash;
        }
        return true;
    }

    private static int Fnv1a(ReadOnlySpan<byte> bytes)
    {
        var hash = 2166136261u;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619u;
        }
        return (int)hash;
    }

    /// <summary>Whether the object's <paramref name="index"/>-th property has the raw name <paramref name="name"/>.</summary>
    private static bool SameNameAt(JsonElement element, int index, ReadOnlySpan<byte> name)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (index-- == 0)
            {
                return JsonMarshal.GetRawUtf8PropertyName(property).SequenceEqual(name);
            }
        }
        return false;
    }

    /// <summary>A number literal without exponent and with at most 18 digits; whether it has a fraction part.</summary>
    private static bool PlainNumber(ReadOnlySpan<byte> raw, out bool fraction)
    {
        fraction = false;
        var digits = 0;
        foreach (var b in raw)
        {
            if (b is >= (byte)'0' and <= (byte)'9')
            {
                digits++;
            }
            else if (b == '.')
            {
                fraction = true;
            }
            else if (b != '-')
            {
                return false;
            }
        }
        return digits is > 0 and <= 18;
    }

    private static bool OnlyKnownKeywords(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return schema.ValueKind is JsonValueKind.True; // "true" as a schema accepts anything; "false" is not handled
        }
        foreach (var keyword in schema.EnumerateObject())
        {
            if (keyword.Name.StartsWith("x-", StringComparison.Ordinal))
            {
                continue;
            }
            if (!KnownKeywords.Contains(keyword.Name))
            {
                return false;
            }
            var ok = keyword.Name switch
            {
                "properties" or "definitions" => keyword.Value.ValueKind == JsonValueKind.Object
                    && keyword.Value.EnumerateObject().All(p => OnlyKnownKeywords(p.Value)),
                "anyOf" or "allOf" => keyword.Value.ValueKind == JsonValueKind.Array
                    && keyword.Value.EnumerateArray().All(OnlyKnownKeywords),
                "additionalProperties" => keyword.Value.ValueKind is JsonValueKind.True or JsonValueKind.False,
                "type" => keyword.Value.ValueKind == JsonValueKind.String,
                "enum" => keyword.Value.ValueKind == JsonValueKind.Array
                    && keyword.Value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String),
                _ => true,
            };
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>One schema object, its keywords turned into checks.</summary>
    private sealed class Node
    {
        private static readonly JsonObjectType[] HandledTypes =
        [
            JsonObjectType.None, JsonObjectType.String, JsonObjectType.Number, JsonObjectType.Integer, JsonObjectType.Boolean, JsonObjectType.Object,
        ];

        public bool Supported { get; private set; } = true;

        private JsonObjectType _type;
        private Dictionary<string, (Node[] Schemas, bool Required)> _properties = [];
        private string[] _required = [];
        private int _requiredCount;
        private bool _allowAdditional = true;
        private Node[] _anyOf = [];
        private Node[] _allOf = [];
        private HashSet<string>? _enum;
        private Regex[] _patterns = [];
        private int? _minLength;
        private int? _maxLength;
        private IFormatValidator[] _formats = [];
        private decimal? _minimum;
        private decimal? _maximum;
        private bool _exclusiveMinimumFlag;
        private bool _exclusiveMaximumFlag;
        private decimal? _exclusiveMinimum;
        private decimal? _exclusiveMaximum;
        private decimal? _multipleOf;

        /// <summary>Reads the keywords of <paramref name="schema"/> itself (not of what it references).</summary>
        public static Node Build(JsonSchema schema, IReadOnlyDictionary<string, IFormatValidator[]> formats, Dictionary<JsonSchema, Node> built)
        {
            if (built.TryGetValue(schema, out var done))
            {
                return done;
            }
            var node = new Node();
            built[schema] = node;
            node.Read(schema, formats, built);
            return node;
        }

        private void Read(JsonSchema s, IReadOnlyDictionary<string, IFormatValidator[]> formats, Dictionary<JsonSchema, Node> built)
        {
            if (s.Not is not null || s.OneOf.Count > 0 || s.Item is not null || s.Items.Count > 0 || s.AdditionalItemsSchema is not null
                || s.PatternProperties.Count > 0 || s.AdditionalPropertiesSchema is not null || s.MinProperties > 0 || s.MaxProperties > 0
                || s.MinItems > 0 || s.MaxItems > 0 || s.UniqueItems || s.DictionaryKey is not null || s.DiscriminatorObject is not null
                || !HandledTypes.Contains(s.Type))
            {
                Supported = false;
                return;
            }
            _type = s.Type;
            _allowAdditional = s.AllowAdditionalProperties;
            foreach (var (name, property) in s.Properties)
            {
                // NJsonSchema validates a property against its ActualSchema; the property's own keywords are checked too.
                var schemas = ReferenceEquals(property.ActualSchema, property)
                    ? new[] { Build(property, formats, built) }
                    : [Build(property.ActualSchema, formats, built), Build(property, formats, built)];
                _properties[name] = (schemas, property.IsRequired || s.RequiredProperties.Contains(name));
            }
            _requiredCount = _properties.Values.Count(p => p.Required);
            _required = [.. s.RequiredProperties.Where(r => !_properties.ContainsKey(r))];
            _anyOf = [.. s.AnyOf.Select(x => Build(x.ActualSchema, formats, built))];
            _allOf = [.. s.AllOf.Select(x => Build(x.ActualSchema, formats, built))];
            if (s.Enumeration.Count > 0)
            {
                if (!s.Enumeration.All(v => v is string))
                {
                    Supported = false;
                    return;
                }
                _enum = new HashSet<string>(s.Enumeration.Cast<string>(), StringComparer.Ordinal);
            }
            if (!string.IsNullOrEmpty(s.Pattern))
            {
                try
                {
                    // What NJsonSchema runs (Regex.IsMatch(value, pattern), default options), compiled once.
                    _patterns = [new Regex(s.Pattern, RegexOptions.Compiled)];
                }
                catch (ArgumentException)
                {
                    Supported = false;
                    return;
                }
            }
            _minLength = s.MinLength;
            _maxLength = s.MaxLength;
            if (!string.IsNullOrEmpty(s.Format))
            {
                _formats = formats.GetValueOrDefault(s.Format, []);
            }
            (_minimum, _maximum, _exclusiveMinimumFlag, _exclusiveMaximumFlag) = (s.Minimum, s.Maximum, s.IsExclusiveMinimum, s.IsExclusiveMaximum);
            (_exclusiveMinimum, _exclusiveMaximum, _multipleOf) = (s.ExclusiveMinimum, s.ExclusiveMaximum, s.MultipleOf);
            if (_multipleOf is <= 0)
            {
                Supported = false;
                return;
            }
            Supported = _properties.Values.All(p => p.Schemas.All(x => x.Supported)) && _anyOf.All(x => x.Supported) && _allOf.All(x => x.Supported);
        }

        public bool Accepts(JsonElement e)
        {
            if (!Supported || e.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
            {
                return false;
            }
            if (_anyOf.Length > 0 && !_anyOf.Any(x => x.Accepts(e)))
            {
                return false;
            }
            foreach (var x in _allOf)
            {
                if (!x.Accepts(e))
                {
                    return false;
                }
            }
            var typeOk = _type switch
            {
                JsonObjectType.None => true,
                JsonObjectType.String => e.ValueKind == JsonValueKind.String,
                JsonObjectType.Number => e.ValueKind == JsonValueKind.Number,
                JsonObjectType.Integer => e.ValueKind == JsonValueKind.Number && PlainNumber(JsonMarshal.GetRawUtf8Value(e), out var fraction) && !fraction,
                JsonObjectType.Boolean => e.ValueKind is JsonValueKind.True or JsonValueKind.False,
                JsonObjectType.Object => e.ValueKind == JsonValueKind.Object,
                _ => false,
            };
            if (!typeOk)
            {
                return false;
            }
            string? text = null;
            if (_enum is not null)
            {
                if (e.ValueKind != JsonValueKind.String || !_enum.Contains(text = e.GetString()!))
                {
                    return false;
                }
            }
            switch (e.ValueKind)
            {
                case JsonValueKind.String:
                    return StringAccepted(text ?? e.GetString()!);
                case JsonValueKind.Number:
                    return NumberAccepted(e);
                case JsonValueKind.Object:
                    return ObjectAccepted(e);
                default:
                    return _properties.Count == 0 && _required.Length == 0 || e.ValueKind == JsonValueKind.Object;
            }
        }

        private bool StringAccepted(string value)
        {
            if (_properties.Count > 0 || _required.Length > 0)
            {
                return false; // NJsonSchema reports missing required properties on a non-object; not worth mirroring
            }
            foreach (var pattern in _patterns)
            {
                if (!pattern.IsMatch(value))
                {
                    return false;
                }
            }
            if (_maxLength is { } max && value.Length > max)
            {
                return false;
            }
            if (_minLength is { } min)
            {
                if (value.Length < min)
                {
                    return false;
                }
            }
            // NJsonSchema: valid when any validator registered for the format accepts the text.
            if (_formats.Length > 0)
            {
                foreach (var format in _formats)
                {
                    if (format.IsValid(value, JTokenType.String))
                    {
                        return true;
                    }
                }
                return false;
            }
            return true;
        }

        private bool NumberAccepted(JsonElement e)
        {
            if (_properties.Count > 0 || _required.Length > 0)
            {
                return false;
            }
            var raw = JsonMarshal.GetRawUtf8Value(e);
            if (!PlainNumber(raw, out _) || !decimal.TryParse(raw, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }
            if (_minimum is { } min && (_exclusiveMinimumFlag ? value <= min : value < min))
            {
                return false;
            }
            if (_maximum is { } max && (_exclusiveMaximumFlag ? value >= max : value > max))
            {
                return false;
            }
            if (_exclusiveMinimum is { } exMin && value <= exMin)
            {
                return false;
            }
            if (_exclusiveMaximum is { } exMax && value >= exMax)
            {
                return false;
            }
            return _multipleOf is not { } step || value % step == 0;
        }

        private bool ObjectAccepted(JsonElement e)
        {
            if (_patterns.Length > 0 || _formats.Length > 0 || _enum is not null)
            {
                // String keywords do not apply to objects in NJsonSchema either, but a schema mixing them is not ours.
                return false;
            }
            // Property names are unique here (checked once for the whole document before any node runs).
            if (_allowAdditional)
            {
                // Only the named properties matter: look them up (no pass over every property of the object).
                foreach (var (name, known) in _properties)
                {
                    if (e.TryGetProperty(name, out var value))
                    {
                        foreach (var schema in known.Schemas)
                        {
                            if (!schema.Accepts(value))
                            {
                                return false;
                            }
                        }
                    }
                    else if (known.Required)
                    {
                        return false;
                    }
                }
            }
            else
            {
                var requiredSeen = 0;
                foreach (var property in e.EnumerateObject())
                {
                    if (!_properties.TryGetValue(property.Name, out var known))
                    {
                        return false;
                    }
                    if (known.Required)
                    {
                        requiredSeen++;
                    }
                    foreach (var schema in known.Schemas)
                    {
                        if (!schema.Accepts(property.Value))
                        {
                            return false;
                        }
                    }
                }
                if (requiredSeen != _requiredCount)
                {
                    return false;
                }
            }
            foreach (var name in _required)
            {
                if (!e.TryGetProperty(name, out _))
                {
                    return false;
                }
            }
            return true;
        }
    }
}
