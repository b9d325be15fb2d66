using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Internals;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OData.Edm;
using Microsoft.AspNetCore.OData.Extensions;
using Microsoft.AspNetCore.OData.Formatter.Serialization;
using Microsoft.AspNetCore.OData.Formatter.Value;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using Microsoft.OData.Edm;
using Microsoft.OData.ModelBuilder;
using Microsoft.OData.UriParser;

namespace DxyqOpenData.Api.Catalog;

/// <summary>Whether plain entity-set pages take the lean path (<c>OData:LeanPages</c>, default on). See docs/odata.md.</summary>
public sealed class LeanPagesSwitch(bool enabled)
{
    private long _served;

    public bool Enabled { get; } = enabled;

    /// <summary>How many pages the lean path has written since the node started.</summary>
    public long Served => Interlocked.Read(ref _served);

    internal void Count() => Interlocked.Increment(ref _served);
}

/// <summary>
/// The lean path for the most common catalog request: a page of one entity set, filtered, sorted and counted, with
/// structural <c>$select</c> and to-one <c>$expand</c>. The query options are still parsed, validated and applied by
/// the library (filter, order, stable order, skip token, skip, top); what is ours is the execution — the count and the
/// page run asynchronously on one open connection, a to-one expansion is an EF <c>Include</c> — and the writing: the
/// payload the library would write for <c>odata.metadata=minimal</c>, written with <see cref="Utf8JsonWriter"/> from
/// compiled getters. Everything else (<c>$apply</c>, <c>$compute</c>, collection or nested expansions, other metadata
/// levels or formats, <c>Prefer</c>, OData 4.01 requests, ...) is left to the library. A test compares both writers'
/// payloads over a corpus of queries on every entity set (CatalogLeanPagesTests).
/// </summary>
internal static class LeanPages
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // OData writes UTF-8 as it is; only what JSON requires is escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    private const string ContentType = "application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8";

    private static readonly ConcurrentDictionary<(IEdmEntityType Type, IEdmNavigationSource? Source), TypePlan?> TypePlans = new();
    private static readonly ConcurrentDictionary<Type, Func<Request, Prepared>> Preparers = new();

    /// <summary>What one lean request needs, decided before anything runs.</summary>
    internal sealed record Request(
        HttpContext Http,
        ODataQueryOptions Options,
        ODataQuerySettings Settings,
        IQueryable Source,
        IEdmEntitySet EntitySet,
        EntityShape Shape,
        int PageSize);

    /// <summary>The properties and expansions written for one entity (top level or expanded).</summary>
    internal sealed record EntityShape(TypePlan Plan, IReadOnlyList<PropertyPlan> Properties, IReadOnlyList<(NavigationPlan Navigation, EntityShape Shape)> Expansions);

    /// <summary>
    /// The lean plan for this request, or null when the library must answer it. Only what the lean writer is known to
    /// write exactly as the library does gets a plan.
    /// </summary>
    public static Request? TryPlan(HttpContext http, ODataQueryOptions? options, object? actionResult, ODataQuerySettings settings, int pageSize)
    {
        var reason = Decline(http, options, actionResult);
        Request? request = null;
        if (reason is null)
        {
            var set = (IEdmEntitySet)((EntitySetSegment)options!.Context.Path.FirstSegment).EntitySet;
            var shape = Shape(options.Context.Model, set.EntityType, set, options.SelectExpand?.SelectExpandClause, nested: false, RestrictedProperties.IsHiddenFromAny(http));
            request = shape is null ? null : new Request(http, options, settings, (IQueryable)((ObjectResult)actionResult!).Value!, set, shape, pageSize);
            reason = shape is null ? "$select/$expand" : null;
        }
        if (reason is not null && options is not null)
        {
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(LeanPages)).LogDebug("Lean page declined ({Reason}): the library answers", reason);
        }
        return request;
    }

    private static string? Decline(HttpContext http, ODataQueryOptions? options, object? actionResult)
    {
        if (options is null || actionResult is not ObjectResult { Value: IQueryable source } || source.Provider is not Microsoft.EntityFrameworkCore.Query.IAsyncQueryProvider)
        {
            return "not a queryable";
        }
        if (!HttpMethods.IsGet(http.Request.Method) || !http.RequestServices.GetRequiredService<LeanPagesSwitch>().Enabled)
        {
            return "off";
        }
        var raw = options.RawValues;
        if (raw.Apply is not null || raw.Compute is not null || raw.Search is not null || raw.Format is not null || raw.DeltaToken is not null)
        {
            return "query option";
        }
        // The next link's skip token is computed from the last row in memory: only sorts on the row's own properties.
        for (var order = options.OrderBy?.OrderByClause; order is not null; order = order.ThenBy)
        {
            if (order.Expression is not SingleValuePropertyAccessNode { Source: ResourceRangeVariableReferenceNode })
            {
                return "$orderby";
            }
        }
        if (!HeadersAllowLeanPage(http.Request.Headers) || !TimeZoneInfo.Utc.Equals(http.Request.GetTimeZoneInfo()))
        {
            return "headers";
        }
        if (options.Context.Path is not { Count: 1 } path || path.FirstSegment is not EntitySetSegment { EntitySet: not null }
            || options.Context.ElementClrType != source.ElementType)
        {
            return "path";
        }
        return null;
    }

    /// <summary>
    /// The shape the lean writer writes for an anonymous reader's <c>$select</c>/<c>$expand</c> on an entity set, or null
    /// when it holds anything the lean writer does not write (<see cref="EntitySetQuery"/> writes its rows with it).
    /// </summary>
    internal static EntityShape? ShapeOf(IEdmModel model, IEdmEntitySet set, SelectExpandClause? clause) =>
        Shape(model, set.EntityType, set, clause, nested: false, hideRestricted: true);

    /// <summary>
    /// The shape of rows the library's select/expand binder projected (<see cref="IEdmEntityObject"/> wrappers): any
    /// expansion it projects — collections, nested ones, with nested <c>$filter</c>, <c>$orderby</c>, <c>$top</c>,
    /// <c>$skip</c> — for an anonymous reader; null for what the writer does not write (nested <c>$count</c>, <c>$levels</c>, …).
    /// </summary>
    internal static EntityShape? ProjectedShapeOf(IEdmModel model, IEdmEntitySet set, SelectExpandClause? clause) =>
        Shape(model, set.EntityType, set, clause, nested: false, hideRestricted: true, projected: true);

    /// <summary>The writer options of the lean pages (UTF-8 as it is, as OData writes it).</summary>
    internal static JsonWriterOptions Writer => WriterOptions;

    /// <summary>
    /// Applies the query options to the queryable (no database work yet). Whatever this throws, the caller leaves the
    /// request to the library, which refuses the query in its own words.
    /// </summary>
    public static Prepared Prepare(Request request) =>
        Preparers.GetOrAdd(request.Source.ElementType, static type =>
            typeof(LeanPages).GetMethod(nameof(PrepareTyped), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(type)
                .CreateDelegate<Func<Request, Prepared>>())(request);

    /// <summary>The count query (if <c>$count=true</c>) and the page query, ready to run.</summary>
    public abstract class Prepared
    {
        /// <summary>Runs the count and the page on one open connection and returns the result that writes them.</summary>
        public abstract Task<IActionResult> ExecuteAsync();
    }

    private sealed class Prepared<T>(Request request, IQueryable<T>? count, IQueryable<T> page) : Prepared where T : class
    {
        public override async Task<IActionResult> ExecuteAsync()
        {
            var cancel = request.Http.RequestAborted;
            long? total = null;
            List<T> rows;
            var db = count is not null ? request.Http.RequestServices.GetRequiredService<CatalogDbContext>() : null;
            if (db is not null)
            {
                await db.Database.OpenConnectionAsync(cancel);
            }
            try
            {
                if (count is not null)
                {
                    total = await count.LongCountAsync(cancel);
                }
                rows = await page.ToListAsync(cancel);
            }
            finally
            {
                if (db is not null)
                {
                    await db.Database.CloseConnectionAsync();
                }
            }

            string? nextLink = null;
            if (rows.Count > request.PageSize)
            {
                rows.RemoveAt(rows.Count - 1);
                nextLink = NextLink(request, rows[^1]);
            }
            return new PageResult<T>(request, total, rows, nextLink);
        }
    }

    private static Prepared PrepareTyped<T>(Request request) where T : class
    {
        var options = request.Options;
        var query = (IQueryable<T>)request.Source;
        // The order the library applies them in: filter, count, then order, skip token, skip, top (no $apply,
        // $compute or $search here); the page size last, one row over to know whether there is a next page.
        // Each option's ApplyTo is the library's own.
        if (options.Filter is not null)
        {
            query = (IQueryable<T>)options.Filter.ApplyTo(query, request.Settings);
        }
        var counted = options.Count?.Value == true;
        // Server-driven paging needs a stable order, as the library makes it (keys added to $orderby, or the keys
        // alone); then the skip token, $skip and $top.
        var paged = query;
        if ((request.Settings.EnsureStableOrdering ? options.GenerateStableOrder() : options.OrderBy) is { } orderBy)
        {
            paged = (IQueryable<T>)orderBy.ApplyTo(paged, request.Settings);
        }
        if (options.SkipToken is not null)
        {
            paged = (IQueryable<T>)options.SkipToken.ApplyTo(paged, request.Settings, options);
        }
        if (options.Skip is not null)
        {
            paged = (IQueryable<T>)options.Skip.ApplyTo(paged, request.Settings);
        }
        if (options.Top is not null)
        {
            paged = (IQueryable<T>)options.Top.ApplyTo(paged, request.Settings);
        }
        foreach (var (navigation, _) in request.Shape.Expansions)
        {
            paged = paged.Include(navigation.ClrName);
        }
        paged = paged.Take(request.PageSize + 1);
        return new Prepared<T>(request, counted ? query : null, paged);
    }

    /// <summary>The library's own next link (skip token from the last row, or $skip).</summary>
    private static string? NextLink(Request request, object last)
    {
        var http = request.Http.Request;
        var context = new ODataSerializerContext
        {
            Request = http,
            Model = request.Options.Context.Model,
            NavigationSource = request.EntitySet,
            Path = request.Options.Context.Path,
            TimeZone = http.GetTimeZoneInfo(),
        };
        // What the library's formatter fills in for its own serializer context (the setters are internal).
        ODataInternals.SetQueryOptions(context, request.Options);
        return http.GetRouteServices().GetRequiredService<SkipTokenHandler>().GenerateNextPageLink(new Uri(Microsoft.AspNetCore.Http.Extensions.UriHelper.GetEncodedUrl(http)), request.PageSize, last, context)?.AbsoluteUri;
    }

    private sealed class PageResult<T>(Request request, long? count, List<T> rows, string? nextLink) : IActionResult where T : class
    {
        public async Task ExecuteResultAsync(ActionContext context)
        {
            var http = request.Http;
            http.RequestServices.GetRequiredService<LeanPagesSwitch>().Count();
            var response = http.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = ContentType;
            response.Headers["OData-Version"] = "4.0";
            var etags = http.Request.GetETagHandler();
            var timeZone = http.Request.GetTimeZoneInfo();
            await using (var writer = new Utf8JsonWriter(response.BodyWriter, WriterOptions))
            {
                writer.WriteStartObject();
                writer.WriteString(ODataContext, ContextUrl(request));
                if (count is { } total)
                {
                    writer.WriteNumber(ODataCount, total);
                }
                writer.WritePropertyName(Value);
                writer.WriteStartArray();
                foreach (var row in rows)
                {
                    WriteEntity(writer, request.Shape, row, etags, timeZone);
                    // Hand the socket ~16 KB at a time, as System.Text.Json does, rather than a whole page (which can be
                    // more than Kestrel's response buffer) in one final flush.
                    if (writer.BytesPending > 16 * 1024)
                    {
                        writer.Flush();
                        await response.BodyWriter.FlushAsync(http.RequestAborted);
                    }
                }
                writer.WriteEndArray();
                if (nextLink is not null)
                {
                    writer.WriteString(ODataNextLink, nextLink);
                }
                writer.WriteEndObject();
            }
            await response.BodyWriter.FlushAsync(http.RequestAborted);
        }
    }

    private static readonly JsonEncodedText ODataContext = JsonEncodedText.Encode("@odata.context");
    private static readonly JsonEncodedText ODataCount = JsonEncodedText.Encode("@odata.count");
    private static readonly JsonEncodedText ODataNextLink = JsonEncodedText.Encode("@odata.nextLink");
    private static readonly JsonEncodedText ODataETag = JsonEncodedText.Encode("@odata.etag");
    private static readonly JsonEncodedText Value = JsonEncodedText.Encode("value");

    /// <summary>One entity as the library writes it in a minimal-metadata page (ETag, the shape's properties and expansions).</summary>
    internal static void WriteEntity(Utf8JsonWriter writer, EntityShape shape, object entity, Microsoft.AspNetCore.OData.Abstracts.IETagHandler etags, TimeZoneInfo timeZone)
    {
        // An entity, or the library's projection of one (its selected and auto-selected properties, by EDM name).
        var projected = entity as IEdmEntityObject;
        object? Read(string name, Func<object, object?> getter) =>
            projected is null ? getter(entity) : projected.TryGetPropertyValue(name, out var value) ? value : null;

        writer.WriteStartObject();
        if (shape.Plan.ETagProperties.Count > 0)
        {
            var values = new Dictionary<string, object?>(shape.Plan.ETagProperties.Count);
            foreach (var property in shape.Plan.ETagProperties)
            {
                values[property.Name] = Read(property.Name, property.Getter);
            }
            if (etags.CreateETag(values, timeZone) is { } etag)
            {
                writer.WriteString(ODataETag, etag.ToString());
            }
        }
        foreach (var property in shape.Properties)
        {
            writer.WritePropertyName(property.EncodedName);
            property.Write(writer, Read(property.Name, property.Getter));
        }
        foreach (var (navigation, nested) in shape.Expansions)
        {
            writer.WritePropertyName(navigation.EncodedName);
            var target = Read(navigation.Name, navigation.Getter);
            if (navigation.IsCollection)
            {
                writer.WriteStartArray();
                foreach (var item in (System.Collections.IEnumerable?)target ?? Array.Empty<object>())
                {
                    WriteEntity(writer, nested, item, etags, timeZone);
                }
                writer.WriteEndArray();
            }
            else if (target is not null)
            {
                WriteEntity(writer, nested, target, etags, timeZone);
            }
            else
            {
                writer.WriteNullValue();
            }
        }
        writer.WriteEndObject();
    }

    /// <summary>
    /// <c>{service root}/$metadata#{set}</c>, then the select list as the library writes it: the selected properties in
    /// the order asked, then each expansion with its own list in parentheses.
    /// </summary>
    private static string ContextUrl(Request request)
    {
        var root = request.Http.Request.CreateODataLink(Array.Empty<ODataPathSegment>());
        var builder = new StringBuilder(root.Length + 64).Append(root);
        if (builder.Length == 0 || builder[^1] != '/')
        {
            builder.Append('/');
        }
        builder.Append("$metadata#").Append(request.EntitySet.Name);
        var clause = request.Options.SelectExpand?.SelectExpandClause;
        if (SelectList(clause) is { } list)
        {
            builder.Append('(').Append(list).Append(')');
        }
        return builder.ToString();
    }

    private static string? SelectList(SelectExpandClause? clause)
    {
        if (clause is null)
        {
            return null;
        }
        var selects = new List<string>();
        var expands = new List<string>();
        foreach (var item in clause.SelectedItems)
        {
            switch (item)
            {
                case PathSelectItem path:
                    selects.Add(string.Join('/', path.SelectedPath.Select(s => s.Identifier)));
                    break;
                case WildcardSelectItem:
                    selects.Add("*");
                    break;
                case ExpandedNavigationSelectItem expand:
                    expands.Add($"{expand.PathToNavigationProperty.FirstSegment.Identifier}({SelectList(expand.SelectAndExpand)})");
                    break;
            }
        }
        return selects.Count + expands.Count == 0 ? null : string.Join(',', selects.Concat(expands));
    }

    /// <summary>Which headers the lean path answers exactly like the library: JSON, minimal metadata, OData 4.0.</summary>
    private static bool HeadersAllowLeanPage(IHeaderDictionary headers)
    {
        if (headers.ContainsKey("Prefer") || headers.ContainsKey("OData-MaxVersion") || headers.ContainsKey("OData-Version")
            || headers.ContainsKey(HeaderNames.AcceptCharset))
        {
            return false;
        }
        var accept = headers.Accept;
        if (accept.Count == 0)
        {
            return true;
        }
        if (!MediaTypeHeaderValue.TryParseList(accept, out var types))
        {
            return false;
        }
        foreach (var type in types)
        {
            var mediaType = type.MediaType.Value;
            if (mediaType is not ("*/*" or "application/*" or "application/json"))
            {
                return false;
            }
            foreach (var parameter in type.Parameters)
            {
                var name = parameter.Name.Value;
                var value = parameter.Value.Value;
                var fine = (string.Equals(name, "odata.metadata", StringComparison.OrdinalIgnoreCase) && string.Equals(value, "minimal", StringComparison.OrdinalIgnoreCase))
                    || string.Equals(name, "q", StringComparison.OrdinalIgnoreCase);
                if (!fine)
                {
                    return false;
                }
            }
        }
        return true;
    }

    /// <summary>The shape for a select/expand clause, or null when it holds anything the lean writer does not write.</summary>
    private static EntityShape? Shape(IEdmModel model, IEdmEntityType type, IEdmNavigationSource? source, SelectExpandClause? clause, bool nested, bool hideRestricted,
        bool projected = false)
    {
        if (TypePlans.GetOrAdd((type, source), static (key, model) => TypePlan.For(model, key.Type, key.Source), model) is not { } plan)
        {
            return null;
        }
        var expansions = new List<(NavigationPlan, EntityShape)>();
        HashSet<string>? selected = null;
        var wildcard = false;
        if (clause is not null)
        {
            foreach (var item in clause.SelectedItems)
            {
                switch (item)
                {
                    case WildcardSelectItem:
                        wildcard = true;
                        break;
                    case PathSelectItem path when path.SelectedPath.Count == 1 && path.SelectedPath.FirstSegment is PropertySegment { Property: IEdmStructuralProperty property }
                        && (path.SelectAndExpand is null || !path.SelectAndExpand.SelectedItems.Any()) && path.FilterOption is null && path.OrderByOption is null && path.TopOption is null
                        && path.SkipOption is null && path.CountOption is null && path.SearchOption is null && path.ComputeOption is null:
                        if (!clause.AllSelected)
                        {
                            (selected ??= new HashSet<string>(StringComparer.Ordinal)).Add(property.Name);
                        }
                        break;
                    // Lean rows are entities with their to-one navigations included; projected rows are the library's
                    // projection, which applies the nested options itself.
                    case ExpandedNavigationSelectItem expand when (projected || !nested) && expand.GetType() == typeof(ExpandedNavigationSelectItem)
                        && expand.PathToNavigationProperty.Count == 1 && expand.PathToNavigationProperty.FirstSegment is NavigationPropertySegment { NavigationProperty: var navigation }
                        && (projected || (!navigation.Type.IsCollection() && expand.FilterOption is null && expand.OrderByOption is null && expand.TopOption is null
                            && expand.SkipOption is null))
                        && expand.CountOption is null && expand.SearchOption is null && expand.LevelsOption is null
                        && expand.ComputeOption is null && expand.ApplyOption is null
                        && plan.Navigations.TryGetValue(navigation.Name, out var navigationPlan):
                        var target = expand.NavigationSource ?? source?.FindNavigationTarget(navigation);
                        if (Shape(model, navigation.ToEntityType(), target, expand.SelectAndExpand, nested: true, hideRestricted, projected) is not { } nestedShape
                            || expansions.Any(e => e.Item1.Name == navigation.Name))
                        {
                            return null;
                        }
                        expansions.Add((navigationPlan, nestedShape));
                        break;
                    default:
                        return null;
                }
            }
            if (clause.AllSelected || wildcard)
            {
                selected = null;
            }
            else if (selected is null)
            {
                // Only expansions were selected beyond nothing: the library writes no structural property then.
                selected = [];
            }
        }
        var properties = plan.Properties
            .Where(p => (selected is null || selected.Contains(p.Name)) && !(hideRestricted && RestrictedProperties.Names.Contains(p.Name)))
            .ToList();
        return new EntityShape(plan, properties, expansions);
    }

    /// <summary>How to read and write the structural properties and to-one navigations of one entity type.</summary>
    internal sealed class TypePlan
    {
        public required IReadOnlyList<PropertyPlan> Properties { get; init; }
        public required IReadOnlyList<PropertyPlan> ETagProperties { get; init; }
        public required IReadOnlyDictionary<string, NavigationPlan> Navigations { get; init; }

        public static TypePlan? For(IEdmModel model, IEdmEntityType type, IEdmNavigationSource? source)
        {
            if (type.IsOpen || type.HasStream || type.BaseType is not null
                || model.GetAnnotationValue<ClrTypeAnnotation>(type)?.ClrType is not { } clrType)
            {
                return null;
            }
            // Derived types would need @odata.type and their own properties.
            if (model.FindAllDerivedTypes(type).Any())
            {
                return null;
            }
            var properties = new List<PropertyPlan>();
            foreach (var property in type.StructuralProperties())
            {
                if (PropertyPlan.For(model, clrType, property) is not { } plan)
                {
                    return null;
                }
                properties.Add(plan);
            }
            var etag = new List<PropertyPlan>();
            if (source is not null)
            {
                foreach (var property in model.GetConcurrencyProperties(source).OrderBy(p => p.Name))
                {
                    if (properties.FirstOrDefault(p => p.Name == property.Name) is not { } plan)
                    {
                        return null;
                    }
                    etag.Add(plan);
                }
            }
            var navigations = new Dictionary<string, NavigationPlan>(StringComparer.Ordinal);
            foreach (var navigation in type.NavigationProperties())
            {
                var clrName = model.GetClrPropertyName(navigation) ?? navigation.Name;
                if (clrType.GetProperty(clrName) is { CanRead: true } clrProperty)
                {
                    navigations[navigation.Name] = new NavigationPlan(navigation.Name, clrName, JsonEncodedText.Encode(navigation.Name, WriterOptions.Encoder),
                        CompileGetter(clrType, clrProperty), navigation.Type.IsCollection());
                }
            }
            return new TypePlan { Properties = properties, ETagProperties = etag, Navigations = navigations };
        }
    }

    internal sealed record NavigationPlan(string Name, string ClrName, JsonEncodedText EncodedName, Func<object, object?> Getter, bool IsCollection);

    internal sealed record PropertyPlan(string Name, JsonEncodedText EncodedName, Func<object, object?> Getter, Action<Utf8JsonWriter, object?> Write)
    {
        public static PropertyPlan? For(IEdmModel model, Type clrType, IEdmStructuralProperty property)
        {
            var clrName = model.GetClrPropertyName(property) ?? property.Name;
            if (clrType.GetProperty(clrName) is not { CanRead: true } clrProperty || clrProperty.GetIndexParameters().Length > 0)
            {
                return null;
            }
            var valueType = Nullable.GetUnderlyingType(clrProperty.PropertyType) ?? clrProperty.PropertyType;
            Action<Utf8JsonWriter, object>? write = property.Type.TypeKind() switch
            {
                EdmTypeKind.Enum when valueType.IsEnum => static (w, v) => w.WriteStringValue(EnumWireNames.Of((Enum)v)),
                EdmTypeKind.Primitive => property.Type.AsPrimitive().PrimitiveKind() switch
                {
                    EdmPrimitiveTypeKind.String when valueType == typeof(string) => static (w, v) => w.WriteStringValue((string)v),
                    EdmPrimitiveTypeKind.Guid when valueType == typeof(Guid) => static (w, v) => w.WriteStringValue((Guid)v),
                    EdmPrimitiveTypeKind.Boolean when valueType == typeof(bool) => static (w, v) => w.WriteBooleanValue((bool)v),
                    EdmPrimitiveTypeKind.Int32 when valueType == typeof(int) => static (w, v) => w.WriteNumberValue((int)v),
                    EdmPrimitiveTypeKind.Int64 when valueType == typeof(long) => static (w, v) => w.WriteNumberValue((long)v),
                    EdmPrimitiveTypeKind.Decimal when valueType == typeof(decimal) => static (w, v) => w.WriteNumberValue((decimal)v),
                    EdmPrimitiveTypeKind.Double when valueType == typeof(double) => static (w, v) => WriteDouble(w, (double)v),
                    EdmPrimitiveTypeKind.Date when valueType == typeof(DateOnly) => static (w, v) => WriteDate(w, (DateOnly)v),
                    EdmPrimitiveTypeKind.DateTimeOffset when valueType == typeof(DateTime) => static (w, v) => WriteInstant(w, (DateTime)v),
                    _ => null,
                },
                _ => null,
            };
            if (write is null)
            {
                return null;
            }
            return new PropertyPlan(property.Name, JsonEncodedText.Encode(property.Name, WriterOptions.Encoder), CompileGetter(clrType, clrProperty),
                (w, v) =>
                {
                    // Null or a value of the property's type, as read by the getter.
                    if (v is null)
                    {
                        w.WriteNullValue();
                    }
                    else
                    {
                        write(w, v);
                    }
                });
        }
    }

    private static Func<object, object?> CompileGetter(Type clrType, PropertyInfo property)
    {
        var instance = Expression.Parameter(typeof(object), "instance");
        var read = Expression.Convert(Expression.Property(Expression.Convert(instance, clrType), property), typeof(object));
        return Expression.Lambda<Func<object, object?>>(read, instance).Compile();
    }

    /// <summary>As the OData writer does: shortest round-trip form, ".0" on integral values, INF/-INF/NaN as strings.</summary>
    private static void WriteDouble(Utf8JsonWriter writer, double value)
    {
        if (double.IsNaN(value))
        {
            writer.WriteStringValue("NaN");
            return;
        }
        if (double.IsInfinity(value))
        {
            writer.WriteStringValue(value > 0 ? "INF" : "-INF");
            return;
        }
        Span<byte> buffer = stackalloc byte[40];
        if (!value.TryFormat(buffer, out var written, "R", CultureInfo.InvariantCulture))
        {
            writer.WriteRawValue(value.ToString("R", CultureInfo.InvariantCulture), skipInputValidation: true);
            return;
        }
        if (buffer[..written].IndexOfAny((byte)'.', (byte)'E', (byte)'e') < 0)
        {
            buffer[written++] = (byte)'.';
            buffer[written++] = (byte)'0';
        }
        writer.WriteRawValue(buffer[..written], skipInputValidation: true);
    }

    private static void WriteDate(Utf8JsonWriter writer, DateOnly value)
    {
        Span<byte> buffer = stackalloc byte[16];
        value.TryFormat(buffer, out var written, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        writer.WriteStringValue(buffer[..written]);
    }

    /// <summary>An Edm.DateTimeOffset from a CLR DateTime: in UTC (the catalog's time zone), fractional seconds trimmed.</summary>
    private static void WriteInstant(Utf8JsonWriter writer, DateTime value)
    {
        var utc = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value;
        Span<byte> buffer = stackalloc byte[40];
        utc.TryFormat(buffer, out var written, "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
        writer.WriteStringValue(buffer[..written]);
    }
}
