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

    /// <summary>One instrument, with its ETag; <c>If-None-Match</c> with the current ETag answers 304.</summary>
    [CatalogQuery]
    public async Task<IActionResult> Get(Guid key)
    {
        var instrument = db.Instruments.Where(i => i.Id == key);
        var updatedAt = await instrument.Select(i => (DateTime?)i.UpdatedAt).FirstOrDefaultAsync(HttpContext.RequestAborted);
        if (updatedAt is null)
        {
            return NotFound();
        }
        var etag = Request.GetETagHandler()
            .CreateETag(new Dictionary<string, object?> { ["updatedAt"] = updatedAt.Value }, TimeZoneInfo.Utc)!.ToString();
        if (Request.Headers.IfNoneMatch.Any(v => v == etag || v == "*"))
        {
            return StatusCode(StatusCodes.Status304NotModified);
        }
        Response.Headers.ETag = etag;
        return Ok(SingleResult.Create(instrument));
    }
}
