using Microsoft.AspNetCore.Mvc;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.AspNetCore.OData.Results;
using Microsoft.AspNetCore.OData.Routing.Controllers;

namespace DxyqOpenData.Api.Datasets;

[Authorize(Policy = Policies.PublicCatalog)]
public sealed class DatasetsController(CatalogDbContext db) : ODataController
{
    /// <summary>The set (a replica-mode federated query reads it and the replicas in one request: ReplicaUnion).</summary>
    [CatalogQuery]
    public IQueryable<Dataset> Get() => db.Datasets;

    [CatalogQuery]
    public SingleResult<Dataset> Get(Guid key) => SingleResult.Create(db.Datasets.Where(d => d.Id == key));

    /// <summary>Its instrument (<c>…(key)/instrument</c>), when both are visible to the caller.</summary>
    [CatalogQuery]
    [HttpGet("odata/Datasets({key})/instrument")]
    [HttpGet("odata/Datasets/{key}/instrument")]
    public SingleResult<Instrument> GetInstrument(Guid key) =>
        SingleResult.Create(db.Instruments.Where(i => db.Datasets.Any(d => d.Id == key && d.InstrumentId == i.Id)));
}
