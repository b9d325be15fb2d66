using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.AspNetCore.OData.Results;
using Microsoft.AspNetCore.OData.Routing.Controllers;

namespace DxyqOpenData.Api.Sensors;

[Authorize(Policy = Policies.PublicCatalog)]
public sealed class SensorsController(CatalogDbContext db) : ODataController
{
    [CatalogQuery]
    public IQueryable<Sensor> Get() => db.Sensors;

    [CatalogQuery]
    public SingleResult<Sensor> Get(string key) => SingleResult.Create(db.Sensors.Where(s => s.Id == key));
}
