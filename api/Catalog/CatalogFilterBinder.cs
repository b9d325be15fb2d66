using System.Collections;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.Serialization;
using Microsoft.AspNetCore.OData.Query.Expressions;
using Microsoft.OData;
using Microsoft.OData.Edm;
using Microsoft.OData.ModelBuilder;
using Microsoft.OData.UriParser;

namespace DxyqOpenData.Api.Catalog;

/// <summary>
/// The library binds <c>status in ('normal','underRepair')</c> by parsing the wire names as CLR member names,
/// which fails for enums whose wire names come from <c>[EnumMember]</c>. Bind such lists here, by wire name.
/// </summary>
internal sealed class CatalogFilterBinder : FilterBinder
{
    public override Expression BindCollectionConstantNode(CollectionConstantNode node, QueryBinderContext context)
    {
        var itemType = node.ItemType?.Definition as IEdmEnumType;
        var clrType = itemType is null ? null : context.Model.GetAnnotationValue<ClrTypeAnnotation>(itemType)?.ClrType;
        if (clrType is null || !clrType.IsEnum)
        {
            return base.BindCollectionConstantNode(node, context);
        }

        var byWireName = clrType.GetFields(BindingFlags.Public | BindingFlags.Static)
            .ToDictionary(f => f.GetCustomAttribute<EnumMemberAttribute>()?.Value ?? f.Name, f => f.GetValue(null)!, StringComparer.Ordinal);
        var elementType = node.ItemType!.IsNullable ? typeof(Nullable<>).MakeGenericType(clrType) : clrType;
        var values = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(elementType))!;
        foreach (var item in node.Collection)
        {
            var name = item.Value switch
            {
                ODataEnumValue e => e.Value,
                null => null,
                var other => other.ToString(),
            };
            if (name is null)
            {
                values.Add(null);
            }
            else if (byWireName.TryGetValue(name, out var value))
            {
                values.Add(value);
            }
            else
            {
                throw new ODataException($"'{name}' is not a member of {itemType!.Name}; expected one of {string.Join(", ", byWireName.Keys)}.");
            }
        }
        return Expression.Constant(values);
    }
}
