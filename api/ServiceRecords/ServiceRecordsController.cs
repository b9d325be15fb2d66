using Microsoft.AspNetCore.Mvc;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.AspNetCore.OData.Results;
using Microsoft.AspNetCore.OData.Routing.Controllers;

namespace DxyqOpenData.Api.ServiceRecords;

/// <summary>Personal data: the owning unit and administrators only (voucher systems: voucher-paid records).</summary>
[Authorize(Policy = Policies.ServiceRecords)]
public sealed class ServiceRecordsController(CatalogDbContext db) : ODataController
{
    private IQueryable<ServiceRecord> Visible => db.ServiceRecords.VisibleTo(User);

    [CatalogQuery]
    public IQueryable<ServiceRecord> Get() => Visible;

    [CatalogQuery]
    public SingleResult<ServiceRecord> Get(Guid key) => SingleResult.Create(Visible.Where(r => r.Id == key));

    /// <summary>Its instrument (<c>…(key)/instrument</c>), when both are visible to the caller.</summary>
    [CatalogQuery]
    [HttpGet("odata/ServiceRecords({key})/instrument")]
    [HttpGet("odata/ServiceRecords/{key}/instrument")]
    public SingleResult<Instrument> GetInstrument(Guid key) =>
        SingleResult.Create(db.Instruments.Where(i => Visible.Any(r => r.Id == key && r.InstrumentId == i.Id)));
}
