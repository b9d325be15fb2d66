using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.AspNetCore.OData.Results;
using Microsoft.AspNetCore.OData.Routing.Controllers;

namespace DxyqOpenData.Api.Instruments;

[Authorize(Policy = Policies.PublicCatalog)]
public sealed class InstrumentsController(CatalogDbContext db) : ODataController
{
    [CatalogQuery]
    public IQueryable<Instrument> Get() => db.Instruments;

    /// <summary>One instrument; <c>If-None-Match</c> with its ETag answers 304.</summary>
    [CatalogQuery]
    public IActionResult Get(Guid key, ODataQueryOptions<Instrument> options)
    {
        var instrument = db.Instruments.Where(i => i.Id == key);
        if (options.IfNoneMatch is { } etag && instrument.Any() && !((IQueryable<Instrument>)etag.ApplyTo(instrument)).Any())
        {
            return StatusCode(StatusCodes.Status304NotModified);
        }
        return Ok(SingleResult.Create(instrument));
    }
}
