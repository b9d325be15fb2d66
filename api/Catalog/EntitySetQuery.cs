using System.Text.Json;
using DxyqOpenData.Api.Internals;
using Microsoft.AspNetCore.OData;
using Microsoft.AspNetCore.OData.Abstracts;
using Microsoft.AspNetCore.OData.Edm;
using Microsoft.AspNetCore.OData.Formatter.Value;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.AspNetCore.OData.Query.Expressions;
using Microsoft.AspNetCore.OData.Query.Validator;
using Microsoft.Extensions.Options;
using Microsoft.OData;
using Microsoft.OData.Edm;
using Microsoft.OData.ModelBuilder;
using Microsoft.OData.UriParser;

namespace DxyqOpenData.Api.Catalog;

/// <summary>
/// A query of one public entity set as an anonymous client asks it of <c>/odata</c> (<c>$filter</c>, <c>$select</c>,
/// <c>$expand</c>, <c>$orderby</c>), for callers inside the node that have no request: parsed by the library's own
/// parser with the <c>/odata</c> route's services (resolver, filter binder), validated with <c>/odata</c>'s limits
/// (<see cref="CatalogQueryAttribute"/>), restricted properties refused and left out of the rows, division by zero
/// refused; applied by the library's binders; rows written as the lean path writes them. A query <c>/odata</c> would
/// refuse throws a <see cref="QueryRejectedException"/> or an <see cref="ODataException"/> with the library's words.
/// </summary>
internal sealed class EntitySetQuery
{
    public required IEdmModel Model { get; init; }
    public required IEdmEntitySet EntitySet { get; init; }
    public required Type ClrType { get; init; }
    public FilterClause? Filter { get; init; }
    public OrderByClause? OrderBy { get; init; }
    public string? RawFilter { get; init; }
    public string? RawOrderBy { get; init; }
    public required LeanPages.EntityShape Shape { get; init; }

    /// <summary>The select/expand the rows are projected with by the library (<see cref="Project"/>); null when they are read as entities.</summary>
    public SelectExpandClause? Projection { get; init; }
    private IServiceProvider Route { get; init; } = null!;

    /// <summary>The settings <c>/odata</c> applies queries with.</summary>
    public static readonly ODataQuerySettings Settings = new() { HandleNullPropagation = HandleNullPropagationOption.False, TimeZone = TimeZoneInfo.Utc };

    /// <summary>The <c>/odata</c> route's services (the library keeps one container per route).</summary>
    public static IServiceProvider RouteServices(IServiceProvider services) =>
        services.GetRequiredService<IOptions<ODataOptions>>().Value.RouteComponents["odata"].ServiceProvider;

    public static EntitySetQuery Parse(IServiceProvider services, string set, IReadOnlyDictionary<string, string> options)
    {
        var route = RouteServices(services);
        var model = CatalogEdmModel.Get();
        var entitySet = model.EntityContainer.FindEntitySet(set) ?? throw new QueryRejectedException($"No entity set '{set}'.", null);
        var clrType = model.GetAnnotationValue<ClrTypeAnnotation>(entitySet.EntityType).ClrType;
        foreach (var name in options.Keys.Where(n => n is not ("$filter" or "$select" or "$expand" or "$orderby")))
        {
            throw new QueryRejectedException($"{name} is not taken by a query of an entity set here.", name);
        }
        RestrictedProperties.RejectInQuery([("$filter", options.GetValueOrDefault("$filter")), ("$orderby", options.GetValueOrDefault("$orderby"))]);

        var context = new ODataQueryContext(model, clrType, new ODataPath(new EntitySetSegment(entitySet)));
        // The route's services, as a request's context has them: nested options are validated with its configuration.
        ODataInternals.SetRequestContainer(context, route);
        // What AddOData(EnableQueryFeatures) allows on the route, as the options' own validators read it.
        var allowed = services.GetRequiredService<IOptions<ODataOptions>>().Value.QueryConfigurations;
        context.DefaultQueryConfigurations.EnableFilter = allowed.EnableFilter;
        context.DefaultQueryConfigurations.EnableOrderBy = allowed.EnableOrderBy;
        context.DefaultQueryConfigurations.EnableSelect = allowed.EnableSelect;
        context.DefaultQueryConfigurations.EnableExpand = allowed.EnableExpand;
        context.DefaultQueryConfigurations.MaxTop = allowed.MaxTop;
        var parser = new ODataQueryOptionParser(model, entitySet.EntityType, entitySet, options.ToDictionary(), route);
        var limits = CatalogQueryAttribute.Limits();

        FilterQueryOption? filter = null;
        if (options.TryGetValue("$filter", out var rawFilter))
        {
            filter = Parsed(options, "$filter", () => new FilterQueryOption(rawFilter, context, parser), o => o.Validate(limits), o => o.FilterClause);
        }
        OrderByQueryOption? orderBy = null;
        if (options.TryGetValue("$orderby", out var rawOrderBy))
        {
            orderBy = Parsed(options, "$orderby", () => new OrderByQueryOption(rawOrderBy, context, parser), o => o.Validate(limits), o => o.OrderByClause);
        }
        SelectExpandQueryOption? selectExpand = null;
        if (options.ContainsKey("$select") || options.ContainsKey("$expand"))
        {
            selectExpand = Parsed(options, options.ContainsKey("$expand") ? "$expand" : "$select", () => new SelectExpandQueryOption(options.GetValueOrDefault("$select"), options.GetValueOrDefault("$expand"), context, parser),
                o => o.Validate(limits), o => o.SelectExpandClause);
        }
        BadInput.RejectUnanswerable([(filter?.FilterClause, "$filter"), (orderBy?.OrderByClause, "$orderby"), (selectExpand?.SelectExpandClause, "$expand")]);
        // Entities as read (to-one expansions included), or, for what only the library's projection gives (collections,
        // nested options), its projected rows.
        var clause = selectExpand?.SelectExpandClause;
        var shape = LeanPages.ShapeOf(model, entitySet, clause);
        var projected = shape is null ? LeanPages.ProjectedShapeOf(model, entitySet, clause) : null;
        return new EntitySetQuery
        {
            Model = model, EntitySet = entitySet, ClrType = clrType, Filter = filter?.FilterClause, OrderBy = orderBy?.OrderByClause,
            RawFilter = rawFilter, RawOrderBy = rawOrderBy, Route = route,
            Shape = shape ?? projected ?? throw new QueryRejectedException("$expand takes no nested $count or $levels here.", "$expand"),
            Projection = projected is null ? null : clause,
        };
    }

    /// <summary>
    /// An option parsed (its clause read) and validated; a failure the library does not put into words (a parser that
    /// fell over, a number out of range) in words (<see cref="BadInput.Explain(Exception, Func{string, string?}, Func{string?})"/>).
    /// </summary>
    private static T Parsed<T>(IReadOnlyDictionary<string, string> options, string option, Func<T> create, Action<T> validate, Func<T, object?> clause)
    {
        try
        {
            var parsed = create();
            _ = clause(parsed);
            validate(parsed);
            return parsed;
        }
        catch (Exception e) when (e is not ODataException and not QueryRejectedException && BadInput.Explain(e, options.GetValueOrDefault, () => option) is { } rejected)
        {
            throw rejected;
        }
    }

    /// <summary>The <c>$filter</c> applied by <c>/odata</c>'s filter binder.</summary>
    public IQueryable<T> ApplyFilter<T>(IQueryable<T> source) => Filter is null ? source
        : (IQueryable<T>)Route.GetRequiredService<IFilterBinder>().ApplyBind(source, Filter, new QueryBinderContext(Model, Settings, ClrType));

    /// <summary>The <c>$orderby</c> applied by the library's order binder.</summary>
    public IQueryable<T> ApplyOrderBy<T>(IQueryable<T> source) => OrderBy is null ? source
        : (IQueryable<T>)(Route.GetService<IOrderByBinder>() ?? new OrderByBinder()).ApplyBind(source, OrderBy, new QueryBinderContext(Model, Settings, ClrType), false);

    /// <summary>
    /// The rows projected by <c>/odata</c>'s select/expand binder with <c>/odata</c>'s settings (nested collections cut
    /// at its page size), as the library's <see cref="IEdmEntityObject"/> wrappers.
    /// </summary>
    public IQueryable<object> Project<T>(IQueryable<T> source) =>
        (IQueryable<object>)Route.GetRequiredService<ISelectExpandBinder>().ApplyBind(source, Projection!,
            new QueryBinderContext(Model, ProjectionSettings, ClrType) { NavigationSource = EntitySet });

    private static readonly ODataQuerySettings ProjectionSettings = new()
    {
        HandleNullPropagation = HandleNullPropagationOption.False, TimeZone = TimeZoneInfo.Utc, PageSize = CatalogQueryAttribute.DefaultPageSize,
    };

    /// <summary>One entity as <c>/odata</c> writes it in a minimal-metadata page.</summary>
    public void WriteEntity(Utf8JsonWriter writer, object entity) =>
        LeanPages.WriteEntity(writer, Shape, entity, Route.GetRequiredService<IETagHandler>(), TimeZoneInfo.Utc);
}
