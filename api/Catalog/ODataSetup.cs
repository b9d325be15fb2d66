using DxyqOpenData.Api.Internals;
using DxyqOpenData.Api.Operations;
using DxyqOpenData.Api.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.ApplicationModels;
using Microsoft.AspNetCore.OData;
using Microsoft.AspNetCore.OData.Formatter.Serialization;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.AspNetCore.OData.Query.Expressions;
using Microsoft.OData;
using Microsoft.OData.UriParser;
using Microsoft.AspNetCore.OData.Routing.Controllers;

namespace DxyqOpenData.Api.Catalog;

public static class ODataSetup
{
    /// <summary>Where the catalog is served.</summary>
    public const string RoutePrefix = "/odata";

    public static IHostApplicationBuilder AddCatalogOData(this IHostApplicationBuilder builder)
    {
        // The library's internal members this node uses: a version without one stops the node here, naming it.
        ODataInternals.Verify();
        builder.Services.AddSingleton(new LeanPagesSwitch(builder.AddSettings<ODataSettings>("OData").LeanPages));
        builder.Services.AddControllers(o => o.Conventions.Add(new MetadataIsPublic()))
            .AddOData(o =>
            {
                o.EnableQueryFeatures(CatalogQueryAttribute.MaxTopValue);
                o.TimeZone = TimeZoneInfo.Utc;
                o.AddRouteComponents("odata", CatalogEdmModel.Get(),
                    services => services
                        // The payloads are ours and typed by the model: per-property writer validation only costs time.
                        .AddScoped(_ => new ODataMessageWriterSettings
                        {
                            EnableMessageStreamDisposal = false,
                            MessageQuotas = new ODataMessageQuotas { MaxReceivedMessageSize = long.MaxValue },
                            Validations = ValidationKinds.None,
                        })
                        .AddSingleton<ODataResourceSerializer, CatalogResourceSerializer>()
                        // Money literals exactly as written (471152.22 is not read as a binary float).
                        .AddSingleton<ODataUriResolver>(_ => new ExactDecimalLiterals { EnableCaseInsensitive = true, EnableNoDollarQueryOptions = o.EnableNoDollarQueryOptions })
                        .AddSingleton<IFilterBinder, CatalogFilterBinder>()
                        // Next links that never evaluate an expression on a row after the response has started.
                        .AddSingleton<SkipTokenHandler, CatalogSkipTokenHandler>()
                        .AddSingleton<ISelectExpandBinder, CatalogSelectExpandBinder>());
            });
        return builder;
    }

    /// <summary>The library's own service document and $metadata controller gets the public policy explicitly.</summary>
    private sealed class MetadataIsPublic : IControllerModelConvention
    {
        public void Apply(ControllerModel controller)
        {
            if (controller.ControllerType.AsType() != typeof(MetadataController))
            {
                return;
            }
            foreach (var selector in controller.Actions.SelectMany(a => a.Selectors))
            {
                selector.EndpointMetadata.Add(new AuthorizeAttribute(Policies.PublicCatalog));
            }
        }
    }
}
