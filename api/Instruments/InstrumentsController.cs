using DxyqOpenData.Api.Units;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OData.Abstracts;
using Microsoft.AspNetCore.OData.Extensions;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.AspNetCore.OData.Results;
using Microsoft.AspNetCore.OData.Routing.Controllers;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Instruments;

[Authorize(Policy = Policies.PublicCatalog)]
public sealed class InstrumentsController(CatalogDbContext db) : ODataController
{
    /// <summary>The set (a replica-mode federated query reads it and the replicas in one request: ReplicaUnion).</summary>
    [CatalogQuery]
    public IQueryable<Instrument> Get() => db.Instruments;

    /// <summary>One instrument, with its ETag (as <c>@odata.etag</c>); <c>If-None-Match</c> with the current ETag answers 304.</summary>
    [CatalogQuery]
    public async Task<IActionResult> Get(Guid key)
    {
        var instrument = db.Instruments.Where(i => i.Id == key);
        var current = await instrument.AsNoTracking().FirstOrDefaultAsync(HttpContext.RequestAborted);
        if (current is null)
        {
            return NotFound();
        }
        var etag = EntityETags.Of(Request, current)!;
        if (Request.Headers.IfNoneMatch.Any(v => v == etag || v == "*"))
        {
            return StatusCode(StatusCodes.Status304NotModified);
        }
        Response.Headers.ETag = etag;
        return Ok(SingleResult.Create(instrument));
    }

    /// <summary>The instrument's service offerings (<c>Instruments(…)/offerings</c>); 404 for no such instrument.</summary>
    [CatalogQuery]
    [HttpGet("odata/Instruments({key})/offerings")]
    [HttpGet("odata/Instruments/{key}/offerings")]
    public async Task<IActionResult> GetOfferings(Guid key) =>
        await Exists(key) ? Ok(db.ServiceOfferings.Where(o => o.InstrumentId == key)) : NotFound();

    /// <summary>The instrument's unit (<c>Instruments(…)/unit</c>).</summary>
    [CatalogQuery]
    [HttpGet("odata/Instruments({key})/unit")]
    [HttpGet("odata/Instruments/{key}/unit")]
    public SingleResult<Unit> GetUnit(Guid key) =>
        SingleResult.Create(db.Units.Where(u => db.Instruments.Any(i => i.Id == key && i.UnitId == u.Id)));

    /// <summary>The instrument's sensor (<c>Instruments(…)/sensor</c>): 204 when it has none, 404 for no such instrument.</summary>
    [CatalogQuery]
    [HttpGet("odata/Instruments({key})/sensor")]
    [HttpGet("odata/Instruments/{key}/sensor")]
    public async Task<IActionResult> GetSensor(Guid key)
    {
        var sensors = db.Sensors.Where(s => db.Instruments.Any(i => i.Id == key && i.SensorId == s.Id));
        if (await sensors.AnyAsync(HttpContext.RequestAborted))
        {
            return Ok(SingleResult.Create(sensors));
        }
        return await Exists(key) ? NoContent() : NotFound();
    }

    private Task<bool> Exists(Guid key) => db.Instruments.AnyAsync(i => i.Id == key, HttpContext.RequestAborted);
}
