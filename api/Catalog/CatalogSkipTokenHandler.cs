using DxyqOpenData.Api.Internals;
using Microsoft.AspNetCore.OData.Formatter.Serialization;
using System.Linq.Expressions;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.AspNetCore.OData.Query.Container;
using Microsoft.AspNetCore.OData.Query.Expressions;
using Microsoft.OData.Edm;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.OData.UriParser;

namespace DxyqOpenData.Api.Catalog;

/// <summary>
/// Next links for full pages. The library's skip token holds the last row's <c>$orderby</c> values, which it computes
/// by evaluating each <c>$orderby</c> expression (and every <c>$compute</c> expression) in memory on the last
/// materialized entity — after the response has started. That is only sound for a property of the row itself: through
/// a navigation the related entity is not loaded (a NullReferenceException, a response cut off), a function of a
/// nullable column fails on null, an arithmetic expression can divide by zero, and even where it does not fail,
/// .NET's string functions need not agree with the database's (<c>length</c> of a character outside the BMP). So:
/// <list type="bullet">
/// <item>every ordering key a property of the row itself (the common case, and every lean page), no <c>$compute</c>:
/// the library's skip token, a keyed seek, as before;</item>
/// <item>anything else (<c>unit/name</c>, <c>length(englishName)</c>, <c>priceCny div 2</c>, a <c>$compute</c>):
/// a <c>$skip</c> next link, the position as an offset in the same stable order (the key is always appended), which
/// needs no value of the last row at all. A <c>$skiptoken</c> the request carried is kept.</item>
/// </list>
/// Should the library's skip token fail all the same, the <c>$skip</c> link is written instead: a page is never cut off.
/// See docs/odata.md, "Paging".
/// </summary>
internal sealed class CatalogSkipTokenHandler : DefaultSkipTokenHandler
{
    public override Uri GenerateNextPageLink(Uri baseUri, int pageSize, object instance, ODataSerializerContext context)
    {
        if (context is null || instance is null || KeyedByRowProperties(context))
        {
            try
            {
                return base.GenerateNextPageLink(baseUri, pageSize, instance!, context!);
            }
            catch (Exception e) when (e is not OperationCanceledException && context is not null)
            {
                context.Request?.HttpContext.RequestServices.GetService<ILogger<CatalogSkipTokenHandler>>()
                    ?.LogWarning(e, "The skip token could not be computed from the last row; the next link uses $skip");
            }
        }
        return OffsetLink(baseUri, pageSize, context!);
    }

    /// <summary>Whether every ordering key is a property of the row itself and nothing is computed on the row.</summary>
    private static bool KeyedByRowProperties(ODataSerializerContext context)
    {
        OrderByClause? order;
        ComputeClause? compute;
        if (context.ExpandedResource is not null && ODataInternals.CurrentSelectItem(context) is ExpandedReferenceSelectItem expanded)
        {
            order = expanded.OrderByOption;
            compute = expanded.ComputeOption;
        }
        else
        {
            order = context.QueryOptions?.OrderBy?.OrderByClause;
            compute = context.QueryOptions?.Compute?.ComputeClause;
        }
        if (compute?.ComputedItems.Any() == true || context.QueryOptions?.Compute is not null)
        {
            return false;
        }
        for (; order is not null; order = order.ThenBy)
        {
            if (!IsRowProperty(order.Expression))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>A property of the row itself, as the library reads it from the row for its skip token.</summary>
    internal static bool IsRowProperty(SingleValueNode expression) => expression switch
    {
        SingleValuePropertyAccessNode { Source: ResourceRangeVariableReferenceNode or NonResourceRangeVariableReferenceNode } => true,
        SingleValueOpenPropertyAccessNode { Source: ResourceRangeVariableReferenceNode or NonResourceRangeVariableReferenceNode } => true,
        _ => false,
    };


    /// <summary>
    /// The next page as an offset: the library's own $skip link (<c>$skip</c> advanced by the page size, <c>$top</c>
    /// reduced by it), with the request's <c>$skiptoken</c> kept, which the library would drop.
    /// </summary>
    private Uri OffsetLink(Uri baseUri, int pageSize, ODataSerializerContext context)
    {
        var link = base.GenerateNextPageLink(baseUri, pageSize, null!, context);
        if (link is null)
        {
            return link!;
        }
        var token = QueryHelpers.ParseQuery(baseUri.Query)
            .FirstOrDefault(q => string.Equals(q.Key, "$skiptoken", StringComparison.OrdinalIgnoreCase)).Value;
        if (token.Count == 0)
        {
            return link;
        }
        var builder = new UriBuilder(link);
        builder.Query = $"{builder.Query.TrimStart('?')}&$skiptoken={Uri.EscapeDataString(token.ToString())}";
        return builder.Uri;
    }
}

/// <summary>
/// With <c>$select</c> or <c>$expand</c>, the library adds each <c>$orderby</c> value to the rows it projects, for the
/// skip token to read. For an ordering that is not a property of the row the next link is a <c>$skip</c> link
/// (<see cref="CatalogSkipTokenHandler"/>), so those values are never read; projecting them is not only wasted but
/// wrong where the expression is typed non-null and the database answers null (<c>length(englishName)</c> on a row
/// without an English name: "Nullable object must have a value"). They are left out then.
/// </summary>
internal sealed class CatalogSelectExpandBinder(IFilterBinder filterBinder, IOrderByBinder orderByBinder) : SelectExpandBinder(filterBinder, orderByBinder)
{
    protected override void BindOrderByProperties(QueryBinderContext context, Expression source, IEdmStructuredType structuredType, IList<NamedPropertyExpression> includedProperties, bool isSelectedAll)
    {
        if (context is not null && ODataInternals.OrderByClauses(context) is { } clauses
            && !clauses.All(c => CatalogSkipTokenHandler.IsRowProperty(c.Expression)))
        {
            return;
        }
        base.BindOrderByProperties(context!, source, structuredType, includedProperties, isSelectedAll);
    }
}

/// <summary>
/// The library makes an ordering stable by appending the key properties not already ordered by, but it compares by
/// name: <c>$orderby=unit/id</c> orders by the unit's <c>id</c>, and the instrument's own <c>id</c> is then taken as
/// present and not appended. The order among one unit's instruments is left to the database, and offset paging over
/// it repeats and skips rows (PostgreSQL). Such an ordering gets the row's key appended explicitly here.
/// </summary>
internal static class StableOrder
{
    public static void Ensure(ODataQueryOptions options)
    {
        if (options.OrderBy is not { } orderBy || options.Apply is not null || options.Compute is not null
            || options.Context.ElementType is not IEdmEntityType entity || options.Context.Model is null)
        {
            return;
        }
        var ordered = new List<SingleValueNode>();
        for (var clause = orderBy.OrderByClause; clause is not null; clause = clause.ThenBy)
        {
            ordered.Add(clause.Expression);
        }
        var names = ordered.OfType<SingleValuePropertyAccessNode>().Select(p => p.Property.Name).ToHashSet(StringComparer.Ordinal);
        var missing = entity.Key()
            .Where(key => names.Contains(key.Name)
                && !ordered.Any(e => e is SingleValuePropertyAccessNode { Source: ResourceRangeVariableReferenceNode } p && p.Property == key))
            .Select(key => key.Name)
            .ToList();
        if (missing.Count == 0)
        {
            return;
        }
        var raw = $"{orderBy.RawValue},{string.Join(',', missing)}";
        var parser = new ODataQueryOptionParser(options.Context.Model, options.Context.ElementType, options.Context.NavigationSource,
            new Dictionary<string, string> { ["$orderby"] = raw }, options.Context.RequestContainer);
        ODataInternals.SetOrderBy(options, new OrderByQueryOption(raw, options.Context, parser));
    }
}
