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
/// Bindings of the library's done differently here:
/// <list type="bullet">
/// <item><c>status in ('normal','underRepair')</c>: the library parses the wire names as CLR member names, which fails
/// for enums whose wire names come from <c>[EnumMember]</c>. Such lists are bound by wire name.</item>
/// <item><c>acceptanceDate ge 2021-01-01</c>: the library compares dates as <c>year * 10000 + month * 100 + day</c>,
/// which the database computes row by row (SQLite: <c>strftime</c> three times) and which no index can serve. Two dates
/// are compared as dates here: a plain column comparison (the ISO text on SQLite, <c>date</c> elsewhere), same answers;
/// the date of an instant (<c>date(onboardedAt) le onboardingDueDate</c>) is its UTC date.</item>
/// <item><c>instrumentId in (null, …)</c> on a property that cannot be null: the null items are dropped (they match
/// nothing), where the library's binding fails in EF.</item>
/// </list>
/// </summary>
internal sealed class CatalogFilterBinder : FilterBinder
{
    public override Expression BindBinaryOperatorNode(BinaryOperatorNode node, QueryBinderContext context)
    {
        if (IsComparison(node.OperatorKind) && IsDate(node.Left) && IsDate(node.Right))
        {
            var left = BindDate(node.Left, context);
            var right = BindDate(node.Right, context);
            if (Nullable.GetUnderlyingType(left.Type) is { } || Nullable.GetUnderlyingType(right.Type) is { })
            {
                left = ToNullable(left);
                right = ToNullable(right);
            }
            if ((Nullable.GetUnderlyingType(left.Type) ?? left.Type) == typeof(DateOnly) && left.Type == right.Type)
            {
                return Expression.MakeBinary(ExpressionTypeOf(node.OperatorKind), left, right, liftToNull: false, method: null);
            }
        }
        return base.BindBinaryOperatorNode(node, context);
    }

    private static bool IsComparison(BinaryOperatorKind kind) => kind is BinaryOperatorKind.Equal or BinaryOperatorKind.NotEqual
        or BinaryOperatorKind.GreaterThan or BinaryOperatorKind.GreaterThanOrEqual or BinaryOperatorKind.LessThan or BinaryOperatorKind.LessThanOrEqual;

    private static ExpressionType ExpressionTypeOf(BinaryOperatorKind kind) => kind switch
    {
        BinaryOperatorKind.Equal => ExpressionType.Equal,
        BinaryOperatorKind.NotEqual => ExpressionType.NotEqual,
        BinaryOperatorKind.GreaterThan => ExpressionType.GreaterThan,
        BinaryOperatorKind.GreaterThanOrEqual => ExpressionType.GreaterThanOrEqual,
        BinaryOperatorKind.LessThan => ExpressionType.LessThan,
        _ => ExpressionType.LessThanOrEqual,
    };

    private static bool IsDate(SingleValueNode operand) => operand.TypeReference?.IsDate() == true;

    /// <summary>
    /// A date operand as a <see cref="DateOnly"/> expression. The library binds a date literal as an
    /// <see cref="Date"/> parameter; it becomes a <see cref="DateOnly"/> one here (still a parameter, not SQL text).
    /// </summary>
    private Expression BindDate(SingleValueNode operand, QueryBinderContext context)
    {
        var inner = operand is ConvertNode convert ? convert.Source : operand;
        if (inner is ConstantNode { Value: Date date })
        {
            return Expression.Property(Expression.Constant(new DateParameter(new DateOnly(date.Year, date.Month, date.Day))), nameof(DateParameter.Value));
        }
        var bound = StripConvert(Bind(operand, context));
        // date(onboardedAt): the library binds it as the instant itself; its date (UTC, as the instant is served) is a
        // DateOnly, which compares with a date property (the library cannot: DateTime against DateOnly, a 400).
        return bound.Type == typeof(DateTime) ? Expression.Call(FromDateTime, bound)
            : bound.Type == typeof(DateTime?) ? Expression.Condition(Expression.Property(bound, "HasValue"),
                Expression.Convert(Expression.Call(FromDateTime, Expression.Property(bound, "Value")), typeof(DateOnly?)), Expression.Constant(null, typeof(DateOnly?)))
            : bound;
    }

    private static readonly MethodInfo FromDateTime = typeof(DateOnly).GetMethod(nameof(DateOnly.FromDateTime), [typeof(DateTime)])!;

    private sealed class DateParameter(DateOnly value)
    {
        public DateOnly Value { get; } = value;
    }

    private static Expression StripConvert(Expression expression) =>
        expression is UnaryExpression { NodeType: ExpressionType.Convert } convert
        && (Nullable.GetUnderlyingType(convert.Type) ?? convert.Type) == (Nullable.GetUnderlyingType(convert.Operand.Type) ?? convert.Operand.Type)
            ? convert.Operand
            : expression;

    private static Expression ToNullable(Expression expression) =>
        expression.Type.IsValueType && Nullable.GetUnderlyingType(expression.Type) is null
            ? Expression.Convert(expression, typeof(Nullable<>).MakeGenericType(expression.Type))
            : expression;

    /// <summary>
    /// <c>instrumentId in (null, 5f0c…)</c> where the property cannot be null: null equals no value of it, so a null
    /// item can never match and is dropped (<c>in (null)</c> alone is false). Bound as the library does, the list
    /// becomes one of nullable values cast to the property's type, which EF cannot translate (it fails with a
    /// NullReferenceException while it runs the query).
    /// </summary>
    public override Expression BindInNode(InNode node, QueryBinderContext context)
    {
        if (node.Right is CollectionConstantNode list && list.Collection.Any(c => c.Value is null)
            && IsNeverNull(node.Left, context) && NonNullable(list.ItemType) is { } itemType)
        {
            var kept = list.Collection.Where(c => c.Value is not null).Select(c => c.Value).ToList();
            var collectionType = new EdmCollectionTypeReference(new EdmCollectionType(itemType));
            var withoutNulls = new CollectionConstantNode(kept, list.LiteralText, collectionType);
            return base.BindInNode(new InNode(node.Left, withoutNulls), context);
        }
        return base.BindInNode(node, context);
    }

    /// <summary>
    /// An operand that is a property of the row (or of a lambda variable) whose CLR type does not admit null (the
    /// model's types say <c>Nullable=true</c> for some of them, e.g. the Guid foreign keys). Through a navigation the
    /// value is null when the navigation is, so those are left alone.
    /// </summary>
    private bool IsNeverNull(SingleValueNode operand, QueryBinderContext context)
    {
        while (operand is ConvertNode convert)
        {
            operand = convert.Source;
        }
        if (operand is not SingleValuePropertyAccessNode { Source: ResourceRangeVariableReferenceNode })
        {
            return false;
        }
        var type = Bind(operand, context).Type;
        return type.IsValueType && Nullable.GetUnderlyingType(type) is null;
    }

    private static IEdmTypeReference? NonNullable(IEdmTypeReference? type) => type?.Definition switch
    {
        IEdmPrimitiveType primitive => EdmCoreModel.Instance.GetPrimitive(primitive.PrimitiveKind, isNullable: false),
        IEdmEnumType enumType => new EdmEnumTypeReference(enumType, isNullable: false),
        _ => null,
    };

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
