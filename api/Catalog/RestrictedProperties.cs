using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.Serialization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.OData.Edm;
using Microsoft.AspNetCore.OData.Formatter.Serialization;
using Microsoft.AspNetCore.OData.Formatter;
using Microsoft.AspNetCore.OData.Query.Wrapper;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.OData.Edm;
using Microsoft.OData.ModelBuilder;
using Microsoft.OData;

namespace DxyqOpenData.Api.Catalog;

/// <summary>
/// Properties only authenticated readers see (contract: an instrument's contact phone and e-mail). Anonymous
/// responses leave them out, and an anonymous query may not filter, sort, group or compute on them, which would
/// reveal them one comparison at a time.
/// </summary>
public static partial class RestrictedProperties
{
    public static readonly IReadOnlySet<string> Names = new HashSet<string>(StringComparer.Ordinal) { "contactPhone", "contactEmail" };

    public static bool IsHiddenFrom(HttpContext? context, string propertyName) =>
        Names.Contains(propertyName) && IsHiddenFromAny(context);

    /// <summary>Whether this reader is one the restricted properties are hidden from.</summary>
    public static bool IsHiddenFromAny(HttpContext? context) => context?.User.Identity?.IsAuthenticated != true;

    public static void ValidateQuery(HttpRequest request, ODataQueryOptions options)
    {
        if (request.HttpContext.User.Identity?.IsAuthenticated == true)
        {
            return;
        }
        RejectInQuery([("$filter", options.RawValues.Filter), ("$orderby", options.RawValues.OrderBy), ("$apply", options.RawValues.Apply), ("$compute", options.RawValues.Compute)]);
    }

    /// <summary>Refuses an anonymous query that names a restricted property in one of these options (name, text).</summary>
    public static void RejectInQuery(IReadOnlyList<(string Option, string? Text)> options)
    {
        foreach (var (option, text) in options)
        {
            if (text is not null && Identifier().Matches(text).FirstOrDefault(m => Names.Contains(m.Value)) is { } match)
            {
                throw new ODataException($"'{match.Value}' is available to authenticated clients only and cannot be used in {option} anonymously.");
            }
        }
    }

    [GeneratedRegex(@"[A-Za-z_][A-Za-z0-9_]*")]
    private static partial Regex Identifier();
}

/// <summary>
/// Leaves restricted properties out of anonymous responses, whatever $select asked for; and writes the structural
/// properties of our own CLR entities without the library's per-property lookups.
/// </summary>
/// <remarks>
/// Both are decided once per property, not once per property per row: the library builds one
/// <see cref="SelectExpandNode"/> per response and type and reuses it for every row, so the restricted properties are
/// removed from that node (the per-row check they replaced cost about a tenth of the serializer's time); and the
/// value of a property is read through a compiled getter cached per EDM property, where
/// <see cref="ResourceContext.GetPropertyValue"/> hashes the property's name and CLR type for every value it reads.
/// </remarks>
internal sealed class CatalogResourceSerializer(IODataSerializerProvider provider) : ODataResourceSerializer(provider)
{
    private readonly ConcurrentDictionary<IEdmStructuralProperty, PropertyPlan?> _plans = new();

    public override SelectExpandNode CreateSelectExpandNode(ResourceContext resourceContext)
    {
        var node = base.CreateSelectExpandNode(resourceContext);
        // The node is built per response (see above), so trimming it here cannot leak into another reader's response.
        if (node?.SelectedStructuralProperties is { Count: > 0 } selected
            && RestrictedProperties.IsHiddenFromAny(resourceContext.Request?.HttpContext))
        {
            foreach (var restricted in selected.Where(p => RestrictedProperties.Names.Contains(p.Name)).ToList())
            {
                selected.Remove(restricted);
            }
        }
        return node!;
    }

    public override ODataProperty CreateStructuralProperty(IEdmStructuralProperty structuralProperty, ResourceContext resourceContext)
    {
        // A restricted property can still arrive here through a node this class did not build (e.g. a nested one).
        if (RestrictedProperties.IsHiddenFrom(resourceContext.Request?.HttpContext, structuralProperty.Name))
        {
            return null!;
        }
        var plan = _plans.GetOrAdd(structuralProperty, static (p, model) => PropertyPlan.For(p, model), resourceContext.EdmModel);
        // The fast path covers primitive and enum properties of the entity object itself; anything else ($select
        // wrappers, complex values, open types) takes the library's general path.
        if (plan is null || resourceContext.ResourceInstance?.GetType() != plan.DeclaringType)
        {
            return base.CreateStructuralProperty(structuralProperty, resourceContext);
        }
        if ((plan.Serializer ??= SerializerProvider.GetEdmTypeSerializer(structuralProperty.Type) as ODataEdmTypeSerializer) is not { } serializer)
        {
            return base.CreateStructuralProperty(structuralProperty, resourceContext);
        }
        // What the library's (internal) CreateProperty does for a primitive or enum value.
        return new ODataProperty
        {
            Name = structuralProperty.Name,
            Value = serializer.CreateODataValue(plan.Getter(resourceContext.ResourceInstance), structuralProperty.Type, resourceContext.SerializerContext),
        };
    }

    /// <summary>
    /// <c>$apply</c> results are written from their wrappers' value dictionaries, where the library writes an enum
    /// by its CLR name (<c>Voucher</c>); everywhere else the wire name (<c>voucher</c>) is used. Swap the values for
    /// their wire names before the library writes them (the wrapper caches its dictionary, so this sticks).
    /// </summary>
    public override Task WriteObjectInlineAsync(object graph, IEdmTypeReference expectedType, ODataWriter writer, ODataSerializerContext writeContext)
    {
        if (graph is DynamicTypeWrapper wrapper)
        {
            UseWireNames(wrapper);
        }
        return base.WriteObjectInlineAsync(graph, expectedType, writer, writeContext);
    }

    private static void UseWireNames(DynamicTypeWrapper wrapper)
    {
        foreach (var (key, value) in wrapper.Values.ToList())
        {
            switch (value)
            {
                case Enum member:
                    wrapper.Values[key] = EnumWireNames.Of(member);
                    break;
                case DynamicTypeWrapper nested:
                    UseWireNames(nested);
                    break;
            }
        }
    }

    /// <summary>How one primitive or enum property of a CLR entity is read.</summary>
    private sealed class PropertyPlan(Type declaringType, Func<object, object?> getter)
    {
        public Type DeclaringType { get; } = declaringType;
        public Func<object, object?> Getter { get; } = getter;
        public ODataEdmTypeSerializer? Serializer { get; set; }

        public static PropertyPlan? For(IEdmStructuralProperty property, IEdmModel model)
        {
            if (!(property.Type.IsPrimitive() || property.Type.IsEnum())
                || model.GetAnnotationValue<ClrTypeAnnotation>(property.DeclaringType)?.ClrType is not { } clrType
                || clrType.GetProperty(model.GetClrPropertyName(property) ?? property.Name) is not { CanRead: true } clrProperty
                || clrProperty.GetIndexParameters().Length > 0)
            {
                return null;
            }
            var instance = Expression.Parameter(typeof(object), "instance");
            var read = Expression.Convert(Expression.Property(Expression.Convert(instance, clrType), clrProperty), typeof(object));
            return new PropertyPlan(clrType, Expression.Lambda<Func<object, object?>>(read, instance).Compile());
        }
    }
}

/// <summary>The wire name (<c>[EnumMember]</c>) of an enum member, else its CLR name.</summary>
internal static class EnumWireNames
{
    private static readonly ConcurrentDictionary<Enum, string> Cache = new();

    public static string Of(Enum member) => Cache.GetOrAdd(member, static m =>
        m.GetType().GetField(m.ToString())?.GetCustomAttribute<EnumMemberAttribute>()?.Value ?? m.ToString());
}
