using Microsoft.AspNetCore.OData.Query;

namespace DxyqOpenData.Api.Catalog;

/// <summary>
/// The catalog's query limits, one place for every entity set. Exceeding one is a 400 whose message names the
/// limit; see docs/odata.md.
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
        AllowedQueryOptions = AllowedQueryOptions.All & ~AllowedQueryOptions.Format & ~AllowedQueryOptions.SkipToken | AllowedQueryOptions.SkipToken;
    }
}
