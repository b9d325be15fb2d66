using Microsoft.AspNetCore.OData;

namespace DxyqOpenData.Api.Catalog;

public static class ODataSetup
{
    public static IHostApplicationBuilder AddCatalogOData(this IHostApplicationBuilder builder)
    {
        builder.Services.AddControllers().AddOData(o =>
        {
            o.EnableQueryFeatures(CatalogQueryAttribute.MaxTopValue);
            o.TimeZone = TimeZoneInfo.Utc;
            o.AddRouteComponents("odata", CatalogEdmModel.Get());
        });
        return builder;
    }
}
