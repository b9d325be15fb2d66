using System.Globalization;
using System.Text.Json.Nodes;

namespace DxyqOpenData.Schemas;

/// <summary>One way a new schema refuses a document its old version accepted.</summary>
/// <param name="Location">JSON Pointer into the new schema, e.g. <c>/properties/priceCny</c>.</param>
/// <param name="Kind">What changed: <c>removedProperty</c>, <c>newRequired</c>, <c>narrowedType</c>, <c>enum</c>,
/// <c>tightened</c> (a bound, length or multipleOf), <c>pattern</c>, <c>format</c>, <c>additionalProperties</c>,
/// <c>combinator</c> (anyOf/oneOf/allOf/not/if changed), <c>id</c>.</param>
public sealed record BreakingChange(string Location, string Kind, string Message);

/// <summary>
/// Within a major version a schema may only accept more: new optional properties, looser bounds, more enum values,
/// better descriptions and examples. <see cref="Check"/> lists what a new version refuses that the old accepted. It
/// follows local <c>$ref</c>s (<c>#/definitions/…</c>) in each schema, so moving a rule into a definition is no
/// change. It is conservative: a changed pattern or combinator is reported because it cannot be proven looser.
/// </summary>
public static class SchemaCompatibility
{
    public static IReadOnlyList<BreakingChange> Check(string oldSchemaJson, string newSchemaJson)
    {
        var oldRoot = JsonNode.Parse(oldSchemaJson) as JsonObject ?? throw new ArgumentException("Not a schema object.", nameof(oldSchemaJson));
        var newRoot = JsonNode.Parse(newSchemaJson) as JsonObject ?? throw new ArgumentException("Not a schema object.", nameof(newSchemaJson));
        var changes = new List<BreakingChange>();
        if (Text(oldRoot["$id"]) != Text(newRoot["$id"]))
        {
            changes.Add(new("/$id", "id", $"$id changed from {Text(oldRoot["$id"])} to {Text(newRoot["$id"])}."));
        }
        new Comparer(oldRoot, newRoot, changes).Compare(oldRoot, newRoot, "", 0);
        return changes;
    }

    private sealed class Comparer(JsonObject oldRoot, JsonObject newRoot, List<BreakingChange> changes)
    {
        private static readonly string[] Lower = ["minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"];
        private static readonly string[] Upper = ["maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"];
        private static readonly string[] Combinators = ["anyOf", "oneOf", "allOf", "not", "if", "then", "else", "dependencies", "contains", "propertyNames", "patternProperties", "const"];

        public void Compare(JsonNode? oldNode, JsonNode? newNode, string at, int depth)
        {
            if (depth > 64)
            {
                return; // a recursive schema: what lies below was compared on the way down
            }
            var old = Resolve(oldNode, oldRoot);
            var @new = Resolve(newNode, newRoot);
            if (@new is null || IsTrue(@new))
            {
                return; // accepts anything
            }
            if (old is null || IsTrue(old))
            {
                Add(at, "narrowedType", "Was unconstrained, now constrained.");
                return;
            }
            if (@new is JsonValue || old is JsonValue)
            {
                Add(at, "narrowedType", "Now refuses every value.");
                return;
            }
            var o = (JsonObject)old;
            var n = (JsonObject)@new;
            Types(o, n, at);
            Enums(o, n, at);
            Bounds(o, n, at);
            SameOrAbsent(o, n, at, "pattern", "pattern");
            SameOrAbsent(o, n, at, "format", "format");
            foreach (var keyword in Combinators)
            {
                SameOrAbsent(o, n, at, keyword, "combinator");
            }
            Objects(o, n, at, depth);
            if (n["items"] is { } newItems)
            {
                Compare(o["items"], newItems, $"{at}/items", depth + 1);
            }
        }

        private void Types(JsonObject o, JsonObject n, string at)
        {
            var newTypes = TypeSet(n["type"]);
            if (newTypes is null)
            {
                return;
            }
            var oldTypes = TypeSet(o["type"]);
            if (oldTypes is null)
            {
                Add(at, "narrowedType", $"Type restricted to {string.Join("|", newTypes)}.");
                return;
            }
            // integer is a number: widening integer to number is fine, the other way is not.
            var lost = oldTypes.Where(t => !newTypes.Contains(t) && !(t == "integer" && newTypes.Contains("number"))).ToList();
            if (lost.Count > 0)
            {
                Add(at, "narrowedType", $"No longer accepts {string.Join("|", lost)}.");
            }
        }

        private void Enums(JsonObject o, JsonObject n, string at)
        {
            if (n["enum"] is not JsonArray newValues)
            {
                return;
            }
            if (o["enum"] is not JsonArray oldValues)
            {
                Add(at, "enum", "New enum restriction.");
                return;
            }
            var removed = oldValues.Where(v => !newValues.Any(w => JsonNode.DeepEquals(v, w))).Select(v => v?.ToJsonString()).ToList();
            if (removed.Count > 0)
            {
                Add(at, "enum", $"Enum values removed: {string.Join(", ", removed)}.");
            }
        }

        private void Bounds(JsonObject o, JsonObject n, string at)
        {
            foreach (var keyword in Lower)
            {
                if (Number(n[keyword]) is { } now && (Number(o[keyword]) is not { } was || now > was))
                {
                    Add(at, "tightened", $"{keyword} raised to {now.ToString(CultureInfo.InvariantCulture)}.");
                }
            }
            foreach (var keyword in Upper)
            {
                if (Number(n[keyword]) is { } now && (Number(o[keyword]) is not { } was || now < was))
                {
                    Add(at, "tightened", $"{keyword} lowered to {now.ToString(CultureInfo.InvariantCulture)}.");
                }
            }
            // 0.01 → 0.1 refuses 0.05; 0.01 → 0.001 accepts all it did (the old step is a multiple of the new).
            if (Number(n["multipleOf"]) is { } step && (Number(o["multipleOf"]) is not { } oldStep || oldStep % step != 0))
            {
                Add(at, "tightened", $"multipleOf {step.ToString(CultureInfo.InvariantCulture)} is stricter.");
            }
        }

        private void Objects(JsonObject o, JsonObject n, string at, int depth)
        {
            var oldRequired = Strings(o["required"]);
            foreach (var name in Strings(n["required"]).Except(oldRequired))
            {
                Add($"{at}/required", "newRequired", $"'{name}' is now required.");
            }
            var oldProperties = o["properties"] as JsonObject ?? [];
            var newProperties = n["properties"] as JsonObject ?? [];
            foreach (var (name, oldProperty) in oldProperties)
            {
                var location = $"{at}/properties/{Escape(name)}";
                if (newProperties[name] is { } newProperty)
                {
                    Compare(oldProperty, newProperty, location, depth + 1);
                }
                else
                {
                    Add(location, "removedProperty", $"Property '{name}' removed.");
                }
            }
            var oldAdditional = o["additionalProperties"];
            var newAdditional = n["additionalProperties"];
            if (newAdditional is null || IsTrue(Resolve(newAdditional, newRoot)))
            {
                return;
            }
            if (IsFalse(Resolve(newAdditional, newRoot)))
            {
                if (oldAdditional is null || !IsFalse(Resolve(oldAdditional, oldRoot)))
                {
                    Add($"{at}/additionalProperties", "additionalProperties", "Additional properties are no longer allowed.");
                }
                // A property the old schema allowed only as "additional" and the new one names is checked above.
                return;
            }
            Compare(oldAdditional, newAdditional, $"{at}/additionalProperties", depth + 1);
        }

        private void SameOrAbsent(JsonObject o, JsonObject n, string at, string keyword, string kind)
        {
            if (n[keyword] is { } now && !JsonNode.DeepEquals(Resolve(o[keyword], oldRoot), Resolve(now, newRoot)))
            {
                Add(at, kind, o[keyword] is null ? $"New {keyword}." : $"{keyword} changed.");
            }
        }

        private void Add(string location, string kind, string message) => changes.Add(new(location, kind, message));
    }

    /// <summary>Follows local references (<c>#/definitions/x</c>); siblings of <c>$ref</c> are ignored, as draft-07 says.</summary>
    private static JsonNode? Resolve(JsonNode? node, JsonObject root)
    {
        for (var hops = 0; node is JsonObject o && o["$ref"] is JsonValue reference && hops < 32; hops++)
        {
            var target = reference.GetValue<string>();
            if (!target.StartsWith('#'))
            {
                throw new NotSupportedException($"Only local $refs are compared: {target}.");
            }
            JsonNode? current = root;
            foreach (var segment in target.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                current = current?[segment.Replace("~1", "/").Replace("~0", "~")];
            }
            node = current;
        }
        return node;
    }

    private static bool IsTrue(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<bool>(out var b) && b || node is JsonObject { Count: 0 };

    private static bool IsFalse(JsonNode? node) => node is JsonValue v && v.TryGetValue<bool>(out var b) && !b;

    private static HashSet<string>? TypeSet(JsonNode? type) => type switch
    {
        JsonValue v => [v.GetValue<string>()],
        JsonArray a => [.. a.Select(t => t!.GetValue<string>())],
        _ => null,
    };

    private static List<string> Strings(JsonNode? node) => node is JsonArray a ? [.. a.Select(s => s!.GetValue<string>())] : [];

    private static decimal? Number(JsonNode? node) => node is JsonValue v && v.TryGetValue<decimal>(out var d) ? d : null;

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static string Escape(string name) => name.Replace("~", "~0").Replace("/", "~1");
}
