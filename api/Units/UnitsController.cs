using Microsoft.EntityFrameworkCore;
using Microsoft.AspNetCore.Mvc;
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

    /// <summary>The unit's published instruments (<c>Units('…')/instruments</c>), paged like the set; 404 for no such unit.</summary>
    [CatalogQuery]
    [HttpGet("odata/Units({key})/instruments")]
    [HttpGet("odata/Units/{key}/instruments")]
    public async Task<IActionResult> GetInstruments(string key) =>
        await db.Units.AnyAsync(u => u.Id == key, HttpContext.RequestAborted)
            ? Ok(db.Instruments.Where(i => i.UnitId == key))
            : NotFound();
}
