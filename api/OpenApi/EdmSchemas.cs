using System.Reflection;
using System.Runtime.Serialization;
using System.Text.Json.Nodes;
using Microsoft.OData.Edm;
using Microsoft.OData.ModelBuilder;
using Microsoft.OpenApi;

namespace DxyqOpenData.Api.OpenApi;

/// <summary>
/// OpenAPI schemas for the EDM's entity and enum types, named as in the CSDL (<c>Instrument</c>, <c>ShareMode</c>),
/// with the XML doc comments of the CLR types as descriptions.
/// </summary>
internal sealed class EdmSchemas(IEdmModel model, XmlDocs docs, OpenApiDocument document)
{
    public void AddTo(IDictionary<string, IOpenApiSchema> schemas)
    {
        foreach (var type in model.SchemaElements.OfType<IEdmEnumType>())
        {
            schemas[type.Name] = Enum(type);
        }
        foreach (var type in model.SchemaElements.OfType<IEdmStructuredType>().OfType<IEdmSchemaType>())
        {
            schemas[type.Name] = Structured((IEdmStructuredType)type);
        }
    }

    public string? Describe(IEdmSchemaType type) => ClrType(type) is { } clr ? docs.Type(clr) : null;

    public OpenApiSchemaReference Ref(IEdmSchemaType type) => new(type.Name, document);

    private OpenApiSchema Structured(IEdmStructuredType type)
    {
        var schema = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = Describe((IEdmSchemaType)type),
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal),
        };
        foreach (var property in type.StructuralProperties())
        {
            schema.Properties[property.Name] = property.Type.IsEnum()
                ? Property(property, Ref((IEdmSchemaType)property.Type.Definition), property.Type.IsNullable)
                : Property(property, StructuralValue(property.Type));
        }
        foreach (var navigation in type.NavigationProperties())
        {
            schema.Properties[navigation.Name] = Navigation(navigation);
        }
        return schema;
    }

    /// <summary>
    /// The property's schema with its doc comment. A reference that needs a description or <c>nullable</c> is wrapped in
    /// <c>allOf</c>: OpenAPI 3.0 ignores siblings of <c>$ref</c>.
    /// </summary>
    private IOpenApiSchema Property(IEdmProperty property, IOpenApiSchema schema, bool nullable = false)
    {
        var description = ClrProperty(property) is { } clr ? docs.Property(clr) : null;
        if (schema is OpenApiSchemaReference reference)
        {
            if (description is null && !nullable)
            {
                return reference;
            }
            // Only enumerations come here by reference: strings. OpenAPI 3.0's `nullable` needs its `type` beside it.
            return new OpenApiSchema { AllOf = [reference], Description = description, Type = nullable ? JsonSchemaType.String | JsonSchemaType.Null : null };
        }
        var own = (OpenApiSchema)schema;
        if (description is not null)
        {
            own.Description = own.Description is null ? description : $"{description} {own.Description}";
        }
        return own;
    }

    private IOpenApiSchema Navigation(IEdmNavigationProperty navigation)
    {
        var target = (IEdmSchemaType)navigation.ToEntityType();
        var expand = $"Navigation property: present only with `$expand={navigation.Name}`.";
        var schema = navigation.Type.IsCollection()
            ? new OpenApiSchema { Type = JsonSchemaType.Array, Items = Ref(target), Description = expand }
            : new OpenApiSchema { AllOf = [Ref(target)], Description = expand };
        return Property(navigation, schema);
    }

    private OpenApiSchema StructuralValue(IEdmTypeReference type)
    {
        if (type.IsCollection())
        {
            return new OpenApiSchema { Type = JsonSchemaType.Array, Items = StructuralValue(type.AsCollection().ElementType()) };
        }
        if (type.IsEnum())
        {
            return new OpenApiSchema { AllOf = [Ref((IEdmSchemaType)type.Definition)], Type = type.IsNullable ? JsonSchemaType.String | JsonSchemaType.Null : null };
        }
        var primitive = Primitive(type.AsPrimitive().PrimitiveKind());
        if (type.IsNullable)
        {
            primitive.Type |= JsonSchemaType.Null;
        }
        return primitive;
    }

    private static OpenApiSchema Primitive(EdmPrimitiveTypeKind kind) => kind switch
    {
        EdmPrimitiveTypeKind.String => new() { Type = JsonSchemaType.String },
        EdmPrimitiveTypeKind.Guid => new() { Type = JsonSchemaType.String, Format = "uuid" },
        EdmPrimitiveTypeKind.Boolean => new() { Type = JsonSchemaType.Boolean },
        EdmPrimitiveTypeKind.Byte or EdmPrimitiveTypeKind.SByte or EdmPrimitiveTypeKind.Int16 or EdmPrimitiveTypeKind.Int32 =>
            new() { Type = JsonSchemaType.Integer, Format = "int32" },
        EdmPrimitiveTypeKind.Int64 => new() { Type = JsonSchemaType.Integer, Format = "int64" },
        EdmPrimitiveTypeKind.Single => new() { Type = JsonSchemaType.Number, Format = "float" },
        EdmPrimitiveTypeKind.Double => new() { Type = JsonSchemaType.Number, Format = "double" },
        // The catalog's only decimals are money: CNY with two places.
        EdmPrimitiveTypeKind.Decimal => new() { Type = JsonSchemaType.Number, MultipleOf = 0.01m, Description = "CNY, two decimal places." },
        EdmPrimitiveTypeKind.Date => new() { Type = JsonSchemaType.String, Format = "date" },
        EdmPrimitiveTypeKind.DateTimeOffset => new() { Type = JsonSchemaType.String, Format = "date-time" },
        EdmPrimitiveTypeKind.TimeOfDay => new() { Type = JsonSchemaType.String, Format = "time" },
        EdmPrimitiveTypeKind.Duration => new() { Type = JsonSchemaType.String, Format = "duration" },
        EdmPrimitiveTypeKind.Binary => new() { Type = JsonSchemaType.String, Format = "byte" },
        _ => new() { Description = $"Edm.{kind}" },
    };

    private OpenApiSchema Enum(IEdmEnumType type)
    {
        var clr = ClrType(type);
        var lines = new List<string>();
        if (clr is not null && docs.Type(clr) is { } summary)
        {
            lines.Add(summary);
        }
        foreach (var member in type.Members)
        {
            if (clr is not null && WireNames(clr).TryGetValue(member.Name, out var field) && docs.Field(clr, field) is { } doc)
            {
                lines.Add($"- `{member.Name}`: {doc}");
            }
        }
        return new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Description = lines.Count > 0 ? string.Join("\n", lines) : null,
            Enum = [.. type.Members.Select(m => (JsonNode)JsonValue.Create(m.Name))],
        };
    }

    /// <summary>Wire name (<c>[EnumMember(Value)]</c>) to CLR field name.</summary>
    private static Dictionary<string, string> WireNames(Type enumType) =>
        enumType.GetFields(BindingFlags.Public | BindingFlags.Static).ToDictionary(
            f => f.GetCustomAttribute<EnumMemberAttribute>()?.Value ?? f.Name, f => f.Name, StringComparer.Ordinal);

    private Type? ClrType(IEdmSchemaType type) => model.GetAnnotationValue<ClrTypeAnnotation>(type)?.ClrType;

    private PropertyInfo? ClrProperty(IEdmProperty property) =>
        model.GetAnnotationValue<ClrPropertyInfoAnnotation>(property)?.ClrPropertyInfo;
}
