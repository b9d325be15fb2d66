using System.Data.Common;
using System.Reflection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.OData.Extensions;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.OData;
using Npgsql;

namespace DxyqOpenData.Api.Catalog;

/// <summary>
/// <c>[EnableQuery]</c> with the catalog's limits, and with every failure of a query a client wrote turned into an
/// OData 400 that says what is wrong (never a stack trace, never a 500). The result is materialized here,
/// asynchronously, so a query the database refuses is still a clean 400 rather than a response broken mid-stream.
/// See docs/odata.md.
/// </summary>
public sealed class CatalogQueryAttribute : EnableQueryAttribute
{
    public const int MaxTopValue = 1000;
    public const int DefaultPageSize = 100;
    public const int MaxExpansion = 3;
    public const int MaxNodes = 100;

    public CatalogQueryAttribute()
    {
        MaxTop = MaxTopValue;
        PageSize = DefaultPageSize;
        MaxExpansionDepth = MaxExpansion;
        MaxNodeCount = MaxNodes;
        MaxAnyAllExpressionDepth = 2;
        MaxOrderByNodeCount = 5;
        // EF translates null semantics itself; OData's null-propagation guards only make the SQL worse.
        HandleNullPropagation = HandleNullPropagationOption.False;
        // $search has no meaning defined here yet: refuse it rather than silently ignore it.
        AllowedQueryOptions = AllowedQueryOptions.Supported & ~AllowedQueryOptions.Search;
    }

    public override async Task OnActionExecutionAsync(ActionExecutingContext context, ActionExecutionDelegate next)
    {
        // PostgreSQL orders nulls last ascending; OData (and the federated merge) wants them first (NullsFirstOrdering).
        NullsFirstOrdering.Active.Value = true;
        try
        {
            await ExecuteAsync(context, next);
        }
        finally
        {
            NullsFirstOrdering.Active.Value = false;
        }
    }

    private async Task ExecuteAsync(ActionExecutingContext context, ActionExecutionDelegate next)
    {
        OnActionExecuting(context);
        if (context.Result is not null)
        {
            context.Result = ODataErrors.FromLibraryResult(context.Result);
            return;
        }

        var executed = await next();
        if (executed.Exception is not null && !executed.ExceptionHandled)
        {
            return;
        }
        try
        {
            // A replica-mode federated query run in process: one query over this node's rows and the replicas.
            if (executed.HttpContext.Features.Get<Federation.Harvest.ReplicaUnionFeature>() is { } union
                && executed.HttpContext.Items[QueryOptionsKey] is ODataQueryOptions unionOptions)
            {
                executed.Result = await Federation.Harvest.ReplicaUnion.ExecuteAsync(executed.HttpContext, unionOptions, QuerySettings(), union);
                return;
            }
            // A plain entity-set page takes the lean path (LeanPages.cs); anything else the library's.
            if (PrepareLeanPage(executed) is { } lean)
            {
                executed.Result = await lean.ExecuteAsync();
                return;
            }
            OnActionExecuted(executed);
            await MaterializeAsync(executed);
        }
        catch (Exception e) when (IsClientFault(e))
        {
            var cause = e is TargetInvocationException { InnerException: { } inner } ? inner : e;
            executed.Result = ODataErrors.BadRequest("InvalidQuery", Describe(cause));
        }
        if (executed.Result is not null)
        {
            executed.Result = ODataErrors.FromLibraryResult(executed.Result);
        }
    }

    private LeanPages.Prepared? PrepareLeanPage(ActionExecutedContext executed)
    {
        if (LeanPages.TryPlan(executed.HttpContext, executed.HttpContext.Items[QueryOptionsKey] as ODataQueryOptions, executed.Result, QuerySettings(), PageSize) is not { } plan)
        {
            return null;
        }
        try
        {
            return LeanPages.Prepare(plan);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A query option the library would refuse (a malformed skip token, say): let it refuse it, in its words.
            return null;
        }
    }

    private static async Task MaterializeAsync(ActionExecutedContext executed)
    {
        if (executed.Result is ObjectResult { Value: IQueryable query } result && query.Provider is Microsoft.EntityFrameworkCore.Query.IAsyncQueryProvider)
        {
            var toList = ToListAsyncMethod.MakeGenericMethod(query.ElementType);
            var task = (Task)toList.Invoke(null, [query, executed.HttpContext.RequestAborted])!;
            await task;
            result.Value = task.GetType().GetProperty(nameof(Task<object>.Result))!.GetValue(task);
        }
        // $count runs lazily in the serializer; run it now, inside the error handling.
        _ = executed.HttpContext.Request.ODataFeature().TotalCount;
    }

    private static string Describe(Exception e) =>
        e is InvalidOperationException && e.Message.Contains("could not be translated", StringComparison.Ordinal)
            ? "The query uses a function or operator the database cannot evaluate on these properties (for example round() on a money amount). Simplify $filter, $orderby or $apply."
            : $"The query cannot be evaluated by the database: {e.Message.Split('\n', 2)[0].Trim()}";

    public override void ValidateQuery(HttpRequest request, ODataQueryOptions queryOptions)
    {
        base.ValidateQuery(request, queryOptions);
        RestrictedProperties.ValidateQuery(request, queryOptions);
        request.HttpContext.Items[QueryOptionsKey] = queryOptions;
    }

    private static readonly object QueryOptionsKey = new();

    /// <summary>The settings the library applies the query with, less the page size (the lean path pages itself).</summary>
    private ODataQuerySettings QuerySettings() => new()
    {
        EnsureStableOrdering = EnsureStableOrdering,
        EnableConstantParameterization = EnableConstantParameterization,
        EnableCorrelatedSubqueryBuffering = EnableCorrelatedSubqueryBuffering,
        HandleNullPropagation = HandleNullPropagation,
        HandleReferenceNavigationPropertyExpandFilter = HandleReferenceNavigationPropertyExpandFilter,
    };

    private static readonly MethodInfo ToListAsyncMethod = typeof(EntityFrameworkQueryableExtensions)
        .GetMethod(nameof(EntityFrameworkQueryableExtensions.ToListAsync))!;

    /// <summary>Failures caused by what the client asked for, as opposed to the node or its database failing.</summary>
    private static bool IsClientFault(Exception e) => e switch
    {
        ODataException or NotSupportedException or NotImplementedException or ArgumentException or FormatException or OverflowException => true,
        InvalidOperationException => true, // EF: "could not be translated"
        PostgresException pg => pg.SqlState.StartsWith("22", StringComparison.Ordinal) || pg.SqlState.StartsWith("42", StringComparison.Ordinal),
        SqliteException sqlite => sqlite.SqliteErrorCode is 1 or 18 or 20,
        DbException => false,
        TargetInvocationException { InnerException: { } inner } => IsClientFault(inner),
        _ => false,
    };
}
