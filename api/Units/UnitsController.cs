using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.AspNetCore.OData.Results;
using Microsoft.AspNetCore.OData.Routing.Controllers;

namespace DxyqOpenData.Api.Units;

[Authorize(Policy = Policies.PublicCatalog)]
public sealed class UnitsController(CatalogDbContext db) : ODataController
{
    [CatalogQuery]
    public IQueryable<Unit> Get() => db.Units;

    [CatalogQuery]
    public SingleResult<Unit> Get(string key) => SingleResult.Create(db.Units.Where(u => u.Id == key));
}
