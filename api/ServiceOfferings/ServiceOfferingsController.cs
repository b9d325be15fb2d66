using Microsoft.AspNetCore.Mvc;
using DxyqOpenData.Api.Instruments;
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

    /// <summary>Its instrument (<c>…(key)/instrument</c>), when both are visible to the caller.</summary>
    [CatalogQuery]
    [HttpGet("odata/ServiceOfferings({key})/instrument")]
    [HttpGet("odata/ServiceOfferings/{key}/instrument")]
    public SingleResult<Instrument> GetInstrument(Guid key) =>
        SingleResult.Create(db.Instruments.Where(i => db.ServiceOfferings.Any(o => o.Id == key && o.InstrumentId == i.Id)));
}
