using System.Data.Common;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Security;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Push;

/// <summary>
/// <c>DELETE /api/v1/push/{instruments|service-offerings|datasets}/{key}</c>: a unit removes one of its own catalog rows
/// by its own key (docs/push.md). Another unit's key is 404 and changes nothing. An instrument that has service
/// records is 409: the records are the unit's reported history and keep their instrument (delete them is not offered;
/// mark the instrument scrapped instead). Deleting an instrument removes its offerings, usage sessions and alerts,
/// unlinks its sensor and datasets. Peers see the delete as a tombstone in the change feed.
/// </summary>
public static class PushDelete
{
    public static readonly IReadOnlyList<string> Kinds = ["instruments", "service-offerings", "datasets"];

    public static IEndpointRouteBuilder MapPushDelete(this IEndpointRouteBuilder app)
    {
        foreach (var kind in Kinds)
        {
            var keyName = kind == "instruments" ? "innerId" : "externalId";
            app.MapDelete($"/api/v1/push/{kind}/{{key}}", async Task<IResult> (string key, HttpContext http, CatalogDbContext db, ILogger<CatalogDbContext> logger, CancellationToken cancellationToken) =>
                {
                    var unit = http.User.UnitId()!;
                    try
                    {
                        return kind switch
                        {
                            "instruments" => await DeleteInstrumentAsync(db, unit, key, cancellationToken),
                            "service-offerings" => await db.ServiceOfferings.IgnoreQueryFilters()
                                .Where(o => o.UnitId == unit && o.ExternalId == key).ExecuteDeleteAsync(cancellationToken) > 0
                                ? TypedResults.NoContent() : NotFound(kind, keyName, key, unit),
                            _ => await db.Datasets.Where(d => d.UnitId == unit && d.ExternalId == key).ExecuteDeleteAsync(cancellationToken) > 0
                                ? TypedResults.NoContent() : NotFound(kind, keyName, key, unit),
                        };
                    }
                    catch (Exception e) when (e is DbException or DbUpdateException or InvalidOperationException { InnerException: DbException })
                    {
                        // A service record written for the instrument meanwhile: the foreign key refused the delete.
                        logger.LogWarning(e, "Delete of {Kind} '{Key}' of unit {Unit} refused by the database", kind, key, unit);
                        return Conflict($"The {kind} row '{key}' is referenced by rows written meanwhile; nothing was deleted.");
                    }
                })
                .RequireAuthorization(Policies.UnitCatalogWrite)
                .WithTags("Push")
                .Produces(StatusCodes.Status204NoContent)
                .ProducesProblem(StatusCodes.Status404NotFound)
                .ProducesProblem(StatusCodes.Status409Conflict)
                .WithName("Delete" + string.Concat(kind.Split('-').Select(p => char.ToUpperInvariant(p[0]) + p[1..])).TrimEnd('s'))
                .WithSummary($"Delete one of the unit's {kind.Replace('-', ' ')} by its {keyName}.")
                .WithDescription(kind == "instruments"
                    ? "204 when deleted; 404 when the unit has no instrument with this innerId (another unit's is 404 too, and untouched); " +
                      "409 when the instrument has service records (they keep it: mark it scrapped instead). Its offerings, usage sessions " +
                      "and alerts go with it; its sensor and datasets are unlinked."
                    : $"204 when deleted; 404 when the unit has none with this {keyName} (another unit's is 404 too, and untouched).");
        }
        return app;
    }

    private static async Task<IResult> DeleteInstrumentAsync(CatalogDbContext db, string unit, string innerId, CancellationToken cancellationToken)
    {
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            // Confidential instruments too: the unit registered them and may remove them.
            var id = await db.Instruments.IgnoreQueryFilters().Where(i => i.UnitId == unit && i.InnerId == innerId)
                .Select(i => (Guid?)i.Id).SingleOrDefaultAsync(cancellationToken);
            if (id is not { } instrumentId)
            {
                return NotFound("instruments", "innerId", innerId, unit);
            }
            var records = await db.ServiceRecords.IgnoreQueryFilters().CountAsync(r => r.InstrumentId == instrumentId, cancellationToken);
            if (records > 0)
            {
                return Conflict($"Instrument '{innerId}' has {records} service records; they keep their instrument. Mark it scrapped (status, scrappedOn) instead.");
            }
            await db.Sensors.Where(s => s.InstrumentId == instrumentId)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.InstrumentId, (Guid?)null), cancellationToken);
            await db.Instruments.IgnoreQueryFilters().Where(i => i.Id == instrumentId).ExecuteDeleteAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return (IResult)TypedResults.NoContent();
        });
    }

    private static IResult NotFound(string kind, string keyName, string key, string unit) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound, title: "Not found", type: ProblemTypes.NotFound,
        detail: $"Unit {unit} has no {kind.Replace('-', ' ').TrimEnd('s')} with {keyName} '{key}'.");

    private static IResult Conflict(string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status409Conflict, title: "Conflict", type: ProblemTypes.Conflict, detail: detail);
}
