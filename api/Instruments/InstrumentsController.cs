using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.AspNetCore.OData.Results;
using Microsoft.AspNetCore.OData.Routing.Controllers;

namespace DxyqOpenData.Api.Instruments;

[Authorize(Policy = Policies.PublicCatalog)]
public sealed class InstrumentsController(CatalogDbContext db) : ODataController
{
    // Confidential instruments are registered (报备) but never published (rule 1).
    private IQueryable<Instrument> Published => db.Instruments.Where(i => !i.IsConfidential);

    [CatalogQuery]
    public IQueryable<Instrument> Get() => Published;

    [CatalogQuery]
    public SingleResult<Instrument> Get(Guid key) => SingleResult.Create(Published.Where(i => i.Id == key));
}
