using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Federation.Harvest;
using DxyqOpenData.Api.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.AspNetCore.OData.Results;
using Microsoft.AspNetCore.OData.Routing.Controllers;

namespace DxyqOpenData.Api.ServiceOfferings;

[Authorize(Policy = Policies.PublicCatalog)]
public sealed class ServiceOfferingsController(CatalogDbContext db) : ODataController
{
    /// <summary>The set; or, for a replica-mode federated query run in process, a peer's replica of it.</summary>
    [CatalogQuery]
    public IQueryable<ServiceOffering> Get() => HttpContext.ReplicaNode() is { } node ? new FeedRows(db).ReplicaServiceOfferings(node) : db.ServiceOfferings;

    [CatalogQuery]
    public SingleResult<ServiceOffering> Get(Guid key) => SingleResult.Create(db.ServiceOfferings.Where(o => o.Id == key));
}
