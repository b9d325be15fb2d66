using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.AspNetCore.OData.Results;
using Microsoft.AspNetCore.OData.Routing.Controllers;

namespace DxyqOpenData.Api.ServiceOfferings;

[Authorize(Policy = Policies.PublicCatalog)]
public sealed class ServiceOfferingsController(CatalogDbContext db) : ODataController
{
    /// <summary>The set (a replica-mode federated query reads it and the replicas in one request: ReplicaUnion).</summary>
    [CatalogQuery]
    public IQueryable<ServiceOffering> Get() => db.ServiceOfferings;

    [CatalogQuery]
    public SingleResult<ServiceOffering> Get(Guid key) => SingleResult.Create(db.ServiceOfferings.Where(o => o.Id == key));
}
