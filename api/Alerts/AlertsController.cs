using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.AspNetCore.OData.Results;
using Microsoft.AspNetCore.OData.Routing.Controllers;

namespace DxyqOpenData.Api.Alerts;

/// <summary>The owning unit and administrators only.</summary>
[Authorize(Policy = Policies.UnitRecords)]
public sealed class AlertsController(CatalogDbContext db) : ODataController
{
    private IQueryable<Alert> Visible => db.Alerts.VisibleTo(User);

    [CatalogQuery]
    public IQueryable<Alert> Get() => Visible;

    [CatalogQuery]
    public SingleResult<Alert> Get(Guid key) => SingleResult.Create(Visible.Where(a => a.Id == key));
}
