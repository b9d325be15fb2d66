using System.Globalization;
using System.Text;
using NJsonSchema;
using NJsonSchema.Validation;

namespace DxyqOpenData.Schemas;

/// <summary>Turns NJsonSchema's errors into <see cref="SchemaError"/>: a JSON Pointer, the failing keyword, a message.</summary>
internal static class SchemaErrors
{
    public static void Add(List<SchemaError> errors, ValidationError error)
    {
        var schema = error.Schema?.ActualSchema;
        var (kind, message) = Describe(error.Kind, schema);
        errors.Add(new SchemaError(Pointer(error.Path), message, kind));
        // anyOf / oneOf / allOf: the reasons each alternative failed say what to fix.
        if (error is ChildSchemaValidationError child)
        {
            foreach (var nested in child.Errors.Values.SelectMany(e => e))
            {
                Add(errors, nested);
            }
        }
    }

    private static (string Kind, string Message) Describe(ValidationErrorKind kind, JsonSchema? schema) => kind switch
    {
        ValidationErrorKind.PropertyRequired => ("required", "Required property is missing."),
        ValidationErrorKind.NoAdditionalPropertiesAllowed => ("additionalProperties", "Property is not defined by the schema."),
        ValidationErrorKind.PatternMismatch => ("pattern", $"Does not match the pattern {schema?.Pattern}."),
        ValidationErrorKind.StringTooShort => ("minLength", $"Must be at least {schema?.MinLength} characters long."),
        ValidationErrorKind.StringTooLong => ("maxLength", $"Must be at most {schema?.MaxLength} characters long."),
        ValidationErrorKind.NumberTooSmall => schema?.ExclusiveMinimum is { } exclusive
            ? ("exclusiveMinimum", $"Must be greater than {Number(exclusive)}.")
            : ("minimum", $"Must be at least {Number(schema?.Minimum)}."),
        ValidationErrorKind.NumberTooBig or ValidationErrorKind.IntegerTooBig => schema?.ExclusiveMaximum is { } exclusive
            ? ("exclusiveMaximum", $"Must be less than {Number(exclusive)}.")
            : ("maximum", $"Must be at most {Number(schema?.Maximum)}."),
        ValidationErrorKind.NumberNotMultipleOf or ValidationErrorKind.IntegerNotMultipleOf =>
            ("multipleOf", $"Must be a multiple of {Number(schema?.MultipleOf)}."),
        ValidationErrorKind.NotInEnumeration => ("enum", $"Must be one of: {string.Join(", ", schema?.Enumeration ?? [])}."),
        ValidationErrorKind.NotAnyOf => ("anyOf", "Matches none of the alternatives; see the errors that follow."),
        ValidationErrorKind.NotOneOf => ("oneOf", "Must match exactly one of the alternatives."),
        ValidationErrorKind.NotAllOf => ("allOf", "Must match all of the alternatives."),
        ValidationErrorKind.ExcludedSchemaValidates => ("not", "Matches a schema it must not match."),
        ValidationErrorKind.TooManyItems => ("maxItems", $"Must have at most {schema?.MaxItems} items."),
        ValidationErrorKind.TooFewItems => ("minItems", $"Must have at least {schema?.MinItems} items."),
        ValidationErrorKind.ItemsNotUnique => ("uniqueItems", "Items must be unique."),
        _ when kind.ToString() is var name && name.EndsWith("Expected", StringComparison.Ordinal) => TypeOrFormat(name, schema),
        _ => (kind.ToString(), $"Invalid ({kind})."),
    };

    private static readonly HashSet<string> Types = ["String", "Number", "Integer", "Boolean", "Object", "Array", "Null"];

    private static (string, string) TypeOrFormat(string name, JsonSchema? schema)
    {
        var what = name[..^"Expected".Length];
        return Types.Contains(what)
            ? ("type", $"Must be of type {schema?.Type.ToString().ToLowerInvariant().Replace(", ", " or ", StringComparison.Ordinal)}.")
            : ("format", $"Must be a valid {schema?.Format ?? what}.");
    }

    private static string Number(decimal? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "?";

    /// <summary>NJsonSchema's <c>#/a.b[0].c</c> as the JSON Pointer <c>/a/b/0/c</c>.</summary>
    internal static string Pointer(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "#")
        {
            return "";
        }
        var text = path.StartsWith("#/", StringComparison.Ordinal) ? path[2..] : path.TrimStart('#');
        var pointer = new StringBuilder();
        var segment = new StringBuilder();
        void Flush()
        {
            if (segment.Length > 0)
            {
                pointer.Append('/').Append(segment.Replace("~", "~0").Replace("/", "~1"));
                segment.Clear();
            }
        }
        foreach (var c in text)
        {
            switch (c)
            {
                case '.' or '[': Flush(); break;
                case ']': Flush(); break;
                default: segment.Append(c); break;
            }
        }
        Flush();
        return pointer.ToString();
    }
}
