using Microsoft.AspNetCore.OData.Edm;
using Microsoft.AspNetCore.OData.Extensions;
using Microsoft.OData.Edm;
using Microsoft.OData.UriParser;

namespace DxyqOpenData.Api.Catalog;

/// <summary>
/// The ETag of one entity as the serializer writes it in <c>@odata.etag</c> (the set's concurrency properties, by
/// name, through the library's ETag handler), for the <c>ETag</c> header and <c>If-None-Match</c> of a by-key GET.
/// </summary>
internal static class EntityETags
{
    public static string? Of(HttpRequest request, object entity)
    {
        var feature = request.ODataFeature();
        if (feature.Path?.FirstSegment is not EntitySetSegment { EntitySet: { } set })
        {
            return null;
        }
        var values = new Dictionary<string, object?>();
        foreach (var property in feature.Model.GetConcurrencyProperties(set).OrderBy(p => p.Name))
        {
            values[property.Name] = entity.GetType().GetProperty(feature.Model.GetClrPropertyName(property) ?? property.Name)?.GetValue(entity);
        }
        return values.Count == 0 ? null : request.GetETagHandler().CreateETag(values, request.GetTimeZoneInfo())?.ToString();
    }
}
