using System.Reflection;
using Microsoft.AspNetCore.OData.Formatter.Serialization;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.AspNetCore.OData.Query.Expressions;
using Microsoft.OData.UriParser;

namespace DxyqOpenData.Api.Internals;

/// <summary>
/// Every non-public member of Microsoft.AspNetCore.OData the node touches, and only here: each is resolved when the node
/// starts (<see cref="LibraryInternals.Verify"/>), so a package version that renamed one stops the node naming the
/// library, its version and the member, rather than failing a request. docs/architecture.md says why each is needed.
/// </summary>
internal static class ODataInternals
{
    private static readonly LibraryInternals Library = new(typeof(ODataQueryContext).Assembly);

    /// <summary>The route container of a query context built without a request (nested options are validated with its configuration).</summary>
    private static readonly MethodInfo RequestContainerSetter = Library.Setter(typeof(ODataQueryContext), nameof(ODataQueryContext.RequestContainer));

    /// <summary>What the library's formatter fills in for its serializer context, read by its skip-token handler.</summary>
    private static readonly MethodInfo SerializerQueryOptionsSetter = Library.Setter(typeof(ODataSerializerContext), nameof(ODataSerializerContext.QueryOptions));
    private static readonly PropertyInfo SerializerQueryContext = Library.Property(typeof(ODataSerializerContext), "QueryContext");

    /// <summary>The expansion being written, for a nested next link.</summary>
    private static readonly PropertyInfo SerializerCurrentSelectItem = Library.Property(typeof(ODataSerializerContext), "CurrentSelectItem");

    /// <summary>The orderings the library hands its select/expand binder.</summary>
    private static readonly PropertyInfo BinderOrderByClauses = Library.Property(typeof(QueryBinderContext), "OrderByClauses");

    /// <summary>The parsed <c>$orderby</c> of a request, replaced by a stable one.</summary>
    private static readonly MethodInfo QueryOptionsOrderBySetter = Library.Setter(typeof(ODataQueryOptions), nameof(ODataQueryOptions.OrderBy));

    /// <summary>
    /// What <c>$apply</c>'s query expressions are made of, which the query interceptors that mend them recognize
    /// (AggregateUnflattener, MoneyArithmetic, ApplyAliasTypes): the wrappers each stage projects to (GroupByWrapper's
    /// namespace), and the chain of containers holding a stage's values (AggregationPropertyContainer: Value, Next).
    /// </summary>
    private static readonly Type ApplyWrapper = Library.Type("Microsoft.AspNetCore.OData.Query.Wrapper.GroupByWrapper");
    private static readonly Type ApplyContainer = Library.Type("Microsoft.AspNetCore.OData.Query.Container.AggregationPropertyContainer");
    private static readonly PropertyInfo ApplyContainerValue = Library.Property(ApplyContainer, "Value");
    private static readonly PropertyInfo ApplyContainerNext = Library.Property(ApplyContainer, "Next");

    /// <summary>Resolves every member above (the type's initializer), throwing what names the first missing one.</summary>
    public static void Verify() => LibraryInternals.Verify(typeof(ODataInternals));

    public static void SetRequestContainer(ODataQueryContext context, IServiceProvider services) => RequestContainerSetter.Invoke(context, [services]);

    public static void SetQueryOptions(ODataSerializerContext context, ODataQueryOptions options)
    {
        SerializerQueryOptionsSetter.Invoke(context, [options]);
        SerializerQueryContext.SetValue(context, options.Context);
    }

    public static SelectItem? CurrentSelectItem(ODataSerializerContext context) => (SelectItem?)SerializerCurrentSelectItem.GetValue(context);

    public static IEnumerable<OrderByClause>? OrderByClauses(QueryBinderContext context) => (IEnumerable<OrderByClause>?)BinderOrderByClauses.GetValue(context);

    public static void SetOrderBy(ODataQueryOptions options, OrderByQueryOption orderBy) => QueryOptionsOrderBySetter.Invoke(options, [orderBy]);

    /// <summary>A type a stage of <c>$apply</c> projects to (GroupByWrapper, AggregationWrapper, FlatteningWrapper&lt;T&gt;, ComputeWrapper&lt;T&gt;…).</summary>
    public static bool IsApplyWrapper(Type type) => type.Assembly == ApplyWrapper.Assembly && type.Namespace == ApplyWrapper.Namespace;

    /// <summary>A link of the chain of containers holding a stage's values.</summary>
    public static bool IsApplyContainer(Type type) => ApplyContainer.IsAssignableFrom(type);

    /// <summary>The value a container holds (boxed: <c>Value = (object)…</c>, read <c>(T)container.Value</c>).</summary>
    public static bool IsContainerValue(MemberInfo member) => IsContainerMember(member, ApplyContainerValue);

    /// <summary>The next container of the chain.</summary>
    public static bool IsContainerNext(MemberInfo member) => IsContainerMember(member, ApplyContainerNext);

    private static bool IsContainerMember(MemberInfo member, PropertyInfo property) =>
        member.Name == property.Name && member.DeclaringType is { } declaring && declaring.IsAssignableFrom(ApplyContainer);
}
