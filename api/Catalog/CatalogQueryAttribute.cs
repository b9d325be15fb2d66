using System.Data.Common;
using System.Reflection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.OData.Extensions;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.AspNetCore.OData.Query.Validator;
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
    public const int MaxAnyAllDepth = 2;
    public const int MaxOrderByNodes = 5;

    public CatalogQueryAttribute()
    {
        MaxTop = MaxTopValue;
        PageSize = DefaultPageSize;
        MaxExpansionDepth = MaxExpansion;
        MaxNodeCount = MaxNodes;
        MaxAnyAllExpressionDepth = MaxAnyAllDepth;
        MaxOrderByNodeCount = MaxOrderByNodes;
        // EF translates null semantics itself; OData's null-propagation guards only make the SQL worse.
        HandleNullPropagation = HandleNullPropagationOption.False;
        // $search has no meaning defined here yet: refuse it rather than silently ignore it.
        AllowedQueryOptions = AllowedQueryOptions.Supported & ~AllowedQueryOptions.Search;
    }

    /// <summary>The limits above, for a query of an entity set parsed without a request (<see cref="EntitySetQuery"/>).</summary>
    internal static ODataValidationSettings Limits() => new()
    {
        MaxTop = MaxTopValue,
        MaxExpansionDepth = MaxExpansion,
        MaxNodeCount = MaxNodes,
        MaxAnyAllExpressionDepth = MaxAnyAllDepth,
        MaxOrderByNodeCount = MaxOrderByNodes,
        AllowedQueryOptions = AllowedQueryOptions.Supported & ~AllowedQueryOptions.Search,
    };

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
        if (FullMetadataWithApply(context.HttpContext.Request) is { } notAcceptable)
        {
            context.Result = notAcceptable;
            return;
        }
        try
        {
            // Parses and validates the query options; the library turns most failures into a 400 itself.
            OnActionExecuting(context);
        }
        catch (Exception e) when (Rejection(e, context.HttpContext.Request) is { } rejected)
        {
            context.Result = ODataErrors.BadRequest("InvalidQuery", rejected.Message, rejected.Target);
            return;
        }
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
            executed.Result = Rejection(cause, executed.HttpContext.Request) is { } rejected
                ? ODataErrors.BadRequest("InvalidQuery", rejected.Message, rejected.Target)
                : ODataErrors.BadRequest("InvalidQuery", Describe(cause));
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

    internal static string Describe(Exception e) =>
        e is InvalidOperationException && e.Message.Contains("could not be translated", StringComparison.Ordinal)
            ? "The query uses a function or operator the database cannot evaluate on these properties (for example round() on a money amount). Simplify $filter, $orderby or $apply."
            : $"The query cannot be evaluated by the database: {e.Message.Split('\n', 2)[0].Trim()}";

    /// <summary>A failure of the client's query that the library does not put into words, in words (else null).</summary>
    private static QueryRejectedException? Rejection(Exception e, HttpRequest request) =>
        e as QueryRejectedException ?? BadInput.Explain(e is TargetInvocationException { InnerException: { } inner } ? inner : e, request);

    /// <summary>
    /// <c>$apply</c> results are not entities (no key, no id, no navigation links), and the library cannot write them
    /// with <c>odata.metadata=full</c> (it fails building navigation links from a null id): 406 rather than a broken
    /// response. See docs/odata.md.
    /// </summary>
    private static IActionResult? FullMetadataWithApply(HttpRequest request)
    {
        if (BadInput.Raw(request, "$apply") is null || !AsksFullMetadata(request))
        {
            return null;
        }
        return ODataErrors.Error(StatusCodes.Status406NotAcceptable, "NotAcceptable",
            "odata.metadata=full is not available with $apply: aggregated results have no entity id or navigation links. Ask for odata.metadata=minimal (the default) or odata.metadata=none.",
            "$apply");
    }

    /// <summary>Whether the format the library would choose (from <c>$format</c>, else the most preferred Accept type) is full metadata.</summary>
    private static bool AsksFullMetadata(HttpRequest request)
    {
        var format = BadInput.Raw(request, "$format");
        if (!string.IsNullOrEmpty(format))
        {
            return format.Contains("odata.metadata=full", StringComparison.OrdinalIgnoreCase);
        }
        if (!Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var types))
        {
            return false;
        }
        var preferred = types.Where(t => (t.Quality ?? 1) > 0).OrderByDescending(t => t.Quality ?? 1).FirstOrDefault();
        return preferred?.Parameters.Any(p => string.Equals(p.Name.Value, "odata.metadata", StringComparison.OrdinalIgnoreCase)
            && string.Equals(p.Value.Value, "full", StringComparison.OrdinalIgnoreCase)) == true;
    }

    public override void ValidateQuery(HttpRequest request, ODataQueryOptions queryOptions)
    {
        base.ValidateQuery(request, queryOptions);
        RestrictedProperties.ValidateQuery(request, queryOptions);
        BadInput.RejectUnanswerable(queryOptions);
        BadInput.RejectExpandedCount(queryOptions.SelectExpand?.SelectExpandClause);
        StableOrder.Ensure(queryOptions);
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
    internal static bool IsClientFault(Exception e) => e switch
    {
        QueryRejectedException => true,
        ODataException or NotSupportedException or NotImplementedException or ArgumentException or FormatException or OverflowException => true,
        InvalidOperationException => true, // EF: "could not be translated"
        PostgresException pg => pg.SqlState.StartsWith("22", StringComparison.Ordinal) || pg.SqlState.StartsWith("42", StringComparison.Ordinal),
        SqliteException sqlite => sqlite.SqliteErrorCode is 1 or 18 or 20,
        DbException => false,
        TargetInvocationException { InnerException: { } inner } => IsClientFault(inner),
        _ => false,
    };
}
