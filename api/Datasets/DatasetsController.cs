using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Federation.Harvest;
using DxyqOpenData.Api.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.AspNetCore.OData.Results;
using Microsoft.AspNetCore.OData.Routing.Controllers;

namespace DxyqOpenData.Api.Datasets;

[Authorize(Policy = Policies.PublicCatalog)]
public sealed class DatasetsController(CatalogDbContext db) : ODataController
{
    /// <summary>The set; or, for a replica-mode federated query run in process, a peer's replica of it.</summary>
    [CatalogQuery]
    public IQueryable<Dataset> Get() => HttpContext.ReplicaNode() is { } node ? new FeedRows(db).ReplicaDatasets(node) : db.Datasets;

    [CatalogQuery]
    public SingleResult<Dataset> Get(Guid key) => SingleResult.Create(db.Datasets.Where(d => d.Id == key));
}
