using System.Text.RegularExpressions;
using Microsoft.AspNetCore.OData.Formatter;
using Microsoft.AspNetCore.OData.Formatter.Serialization;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.OData;
using Microsoft.OData.Edm;

namespace DxyqOpenData.Api.Catalog;

/// <summary>
/// Properties only authenticated readers see (contract: an instrument's contact phone and e-mail). Anonymous
/// responses leave them out, and an anonymous query may not filter, sort, group or compute on them, which would
/// reveal them one comparison at a time.
/// </summary>
public static partial class RestrictedProperties
{
    public static readonly IReadOnlySet<string> Names = new HashSet<string>(StringComparer.Ordinal) { "contactPhone", "contactEmail" };

    public static bool IsHiddenFrom(HttpContext? context, string propertyName) =>
        Names.Contains(propertyName) && context?.User.Identity?.IsAuthenticated != true;

    public static void ValidateQuery(HttpRequest request, ODataQueryOptions options)
    {
        if (request.HttpContext.User.Identity?.IsAuthenticated == true)
        {
            return;
        }
        foreach (var (option, text) in new[] { ("$filter", options.RawValues.Filter), ("$orderby", options.RawValues.OrderBy), ("$apply", options.RawValues.Apply), ("$compute", options.RawValues.Compute) })
        {
            if (text is not null && Identifier().Matches(text).FirstOrDefault(m => Names.Contains(m.Value)) is { } match)
            {
                throw new ODataException($"'{match.Value}' is available to authenticated clients only and cannot be used in {option} anonymously.");
            }
        }
    }

    [GeneratedRegex(@"[A-Za-z_][A-Za-z0-9_]*")]
    private static partial Regex Identifier();
}

/// <summary>Leaves restricted properties out of anonymous responses, whatever $select asked for.</summary>
internal sealed class CatalogResourceSerializer(IODataSerializerProvider provider) : ODataResourceSerializer(provider)
{
    public override ODataProperty CreateStructuralProperty(IEdmStructuralProperty structuralProperty, ResourceContext resourceContext) =>
        RestrictedProperties.IsHiddenFrom(resourceContext.Request?.HttpContext, structuralProperty.Name)
            ? null!
            : base.CreateStructuralProperty(structuralProperty, resourceContext);
}
