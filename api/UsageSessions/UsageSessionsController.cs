using Microsoft.AspNetCore.Mvc;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.AspNetCore.OData.Results;
using Microsoft.AspNetCore.OData.Routing.Controllers;

namespace DxyqOpenData.Api.UsageSessions;

[Authorize(Policy = Policies.PublicCatalog)]
public sealed class UsageSessionsController(CatalogDbContext db) : ODataController
{
    [CatalogQuery]
    public IQueryable<UsageSession> Get() => db.UsageSessions;

    [CatalogQuery]
    public SingleResult<UsageSession> Get(Guid key) => SingleResult.Create(db.UsageSessions.Where(s => s.Id == key));

    /// <summary>Its instrument (<c>…(key)/instrument</c>), when both are visible to the caller.</summary>
    [CatalogQuery]
    [HttpGet("odata/UsageSessions({key})/instrument")]
    [HttpGet("odata/UsageSessions/{key}/instrument")]
    public SingleResult<Instrument> GetInstrument(Guid key) =>
        SingleResult.Create(db.Instruments.Where(i => db.UsageSessions.Any(s => s.Id == key && s.InstrumentId == i.Id)));
}
