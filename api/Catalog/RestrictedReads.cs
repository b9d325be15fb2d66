using Microsoft.AspNetCore.OData.Query;
using Microsoft.OData;
using Microsoft.OData.Edm;
using Microsoft.OData.UriParser;
using Microsoft.OData.UriParser.Aggregation;

namespace DxyqOpenData.Api.Catalog;

/// <summary>
/// Finds a restricted property that a parsed query reads, at any depth: <c>$filter</c>, <c>$orderby</c>,
/// <c>$compute</c>, <c>$apply</c> (and their nested forms inside <c>$expand</c> and <c>$select</c>), lambdas,
/// <c>$count</c> with a filter, navigation paths. It walks the library's parse trees, so a name in a string literal is
/// not a read and a read through an alias or a navigation is. <c>$select</c> of a restricted property is not a read:
/// the serializer leaves the value out. See docs/security.md.
/// </summary>
internal sealed class RestrictedReads : QueryNodeVisitor<IEdmProperty?>
{
    private static readonly RestrictedReads Visitor = new();

    /// <summary>The first restricted property the query reads, with the query option it is read in; else null.</summary>
    public static (IEdmProperty Property, string Option)? Find(ODataQueryOptions options)
    {
        var found = In(options.Filter?.FilterClause, "$filter")
            ?? In(options.OrderBy?.OrderByClause, "$orderby")
            ?? In(options.Compute?.ComputeClause, "$compute")
            ?? In(options.Apply?.ApplyClause, "$apply")
            ?? In(options.SelectExpand?.SelectExpandClause, "$expand");
        return found;
    }

    private static (IEdmProperty, string)? In(FilterClause? clause, string option) =>
        Read(clause?.Expression) is { } p ? (p, option) : null;

    private static (IEdmProperty, string)? In(OrderByClause? clause, string option)
    {
        for (var item = clause; item is not null; item = item.ThenBy)
        {
            if (Read(item.Expression) is { } p)
            {
                return (p, option);
            }
        }
        return null;
    }

    private static (IEdmProperty, string)? In(ComputeClause? clause, string option) =>
        clause?.ComputedItems.Select(c => Read(c.Expression)).FirstOrDefault(p => p is not null) is { } p ? (p, option) : null;

    private static (IEdmProperty, string)? In(ApplyClause? clause, string option)
    {
        foreach (var transformation in clause?.Transformations ?? [])
        {
            if (InTransformation(transformation, option) is { } found)
            {
                return found;
            }
        }
        return null;
    }

    private static (IEdmProperty, string)? InTransformation(TransformationNode transformation, string option) => transformation switch
    {
        FilterTransformationNode filter => In(filter.FilterClause, option),
        ComputeTransformationNode compute => compute.Expressions.Select(c => Read(c.Expression)).FirstOrDefault(p => p is not null) is { } p ? (p, option) : null,
        AggregateTransformationNode aggregate => InAggregates(aggregate.AggregateExpressions, option),
        GroupByTransformationNode groupBy => groupBy.GroupingProperties.Select(g => InGrouping(g, option)).FirstOrDefault(f => f is not null)
            ?? (groupBy.ChildTransformations is { } child ? InTransformation(child, option) : null),
        ExpandTransformationNode expand => In(expand.ExpandClause, option),
        // A transformation this walk does not know cannot be shown to be safe.
        _ => throw new ODataException($"The {option} transformation '{transformation.Kind}' cannot be checked for restricted properties."),
    };

    private static (IEdmProperty, string)? InGrouping(GroupByPropertyNode node, string option)
    {
        if (Read(node.Expression) is { } p)
        {
            return (p, option);
        }
        return node.ChildTransformations.Select(c => InGrouping(c, option)).FirstOrDefault(f => f is not null);
    }

    private static (IEdmProperty, string)? InAggregates(IEnumerable<AggregateExpressionBase> expressions, string option)
    {
        foreach (var expression in expressions)
        {
            var found = expression switch
            {
                // $count as n has no expression to read (a virtual property node the walk need not know).
                AggregateExpression { Method: AggregationMethod.VirtualPropertyCount } => null,
                AggregateExpression single => Read(single.Expression) is { } p ? (p, option) : null,
                EntitySetAggregateExpression set => Read(set.Expression) is { } q ? (q, option) : InAggregates(set.Children, option),
                _ => throw new ODataException($"The {option} aggregate '{expression.AggregateKind}' cannot be checked for restricted properties."),
            };
            if (found is not null)
            {
                return found;
            }
        }
        return null;
    }

    /// <summary>Options nested in <c>$expand</c> (and in <c>$select</c> of collection-valued properties).</summary>
    private static (IEdmProperty, string)? In(SelectExpandClause? clause, string option)
    {
        foreach (var item in clause?.SelectedItems ?? [])
        {
            var found = item switch
            {
                ExpandedNavigationSelectItem navigation => Nested(navigation.FilterOption, navigation.OrderByOption, navigation.ComputeOption, navigation.ApplyOption, option)
                    ?? In(navigation.SelectAndExpand, option),
                ExpandedCountSelectItem count => In(count.FilterOption, option),
                ExpandedReferenceSelectItem reference => Nested(reference.FilterOption, reference.OrderByOption, reference.ComputeOption, reference.ApplyOption, option),
                PathSelectItem path => Nested(path.FilterOption, path.OrderByOption, path.ComputeOption, null, "$select") ?? In(path.SelectAndExpand, "$select"),
                _ => null,
            };
            if (found is not null)
            {
                return found;
            }
        }
        return null;
    }

    private static (IEdmProperty, string)? Nested(FilterClause? filter, OrderByClause? orderBy, ComputeClause? compute, ApplyClause? apply, string option) =>
        In(filter, option) ?? In(orderBy, option) ?? In(compute, option) ?? In(apply, option);

    private static IEdmProperty? Read(QueryNode? node) => node?.Accept(Visitor);

    private static IEdmProperty? First(params QueryNode?[] nodes)
    {
        foreach (var node in nodes)
        {
            if (Read(node) is { } found)
            {
                return found;
            }
        }
        return null;
    }

    private static IEdmProperty? Property(IEdmProperty property, QueryNode? source) =>
        RestrictedProperties.IsRestricted(property) ? property : Read(source);

    public override IEdmProperty? Visit(SingleValuePropertyAccessNode node) => Property(node.Property, node.Source);
    public override IEdmProperty? Visit(CollectionPropertyAccessNode node) => Property(node.Property, node.Source);
    public override IEdmProperty? Visit(SingleComplexNode node) => Property(node.Property, node.Source);
    public override IEdmProperty? Visit(CollectionComplexNode node) => Property(node.Property, node.Source);
    public override IEdmProperty? Visit(AggregatedCollectionPropertyNode node) => Property(node.Property, node.Source);
    public override IEdmProperty? Visit(SingleNavigationNode node) => Read(node.Source);
    public override IEdmProperty? Visit(CollectionNavigationNode node) => Read(node.Source);
    public override IEdmProperty? Visit(SingleValueOpenPropertyAccessNode node) => OpenProperty(node.Name, node.Source);
    public override IEdmProperty? Visit(CollectionOpenPropertyAccessNode node) => OpenProperty(node.Name, node.Source);
    public override IEdmProperty? Visit(AllNode node) => First(node.Source, node.Body);
    public override IEdmProperty? Visit(AnyNode node) => First(node.Source, node.Body);
    public override IEdmProperty? Visit(BinaryOperatorNode node) => First(node.Left, node.Right);
    public override IEdmProperty? Visit(InNode node) => First(node.Left, node.Right);
    public override IEdmProperty? Visit(UnaryOperatorNode node) => Read(node.Operand);
    public override IEdmProperty? Visit(ConvertNode node) => Read(node.Source);
    public override IEdmProperty? Visit(SingleValueCastNode node) => Read(node.Source);
    public override IEdmProperty? Visit(SingleResourceCastNode node) => Read(node.Source);
    public override IEdmProperty? Visit(CollectionResourceCastNode node) => Read(node.Source);
    public override IEdmProperty? Visit(CountNode node) => First(node.Source, node.FilterClause?.Expression);
    public override IEdmProperty? Visit(SingleValueFunctionCallNode node) => First([node.Source, .. node.Parameters]);
    public override IEdmProperty? Visit(SingleResourceFunctionCallNode node) => First([node.Source, .. node.Parameters]);
    public override IEdmProperty? Visit(CollectionFunctionCallNode node) => First([node.Source, .. node.Parameters]);
    public override IEdmProperty? Visit(CollectionResourceFunctionCallNode node) => First([node.Source, .. node.Parameters]);
    public override IEdmProperty? Visit(NamedFunctionParameterNode node) => Read(node.Value);
    public override IEdmProperty? Visit(ConstantNode node) => null;
    public override IEdmProperty? Visit(CollectionConstantNode node) => null;
    public override IEdmProperty? Visit(ParameterAliasNode node) => null;
    public override IEdmProperty? Visit(SearchTermNode node) => null;
    public override IEdmProperty? Visit(ResourceRangeVariableReferenceNode node) => null;
    public override IEdmProperty? Visit(NonResourceRangeVariableReferenceNode node) => null;

    /// <summary>The model has no open types; a dynamic name (a <c>$compute</c> or <c>$apply</c> alias) reads nothing hidden itself.</summary>
    private static IEdmProperty? OpenProperty(string name, QueryNode? source) => Read(source);
}
