using System.Text.Json;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Data.Reference;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Push;

/// <summary>
/// The push API's per-kind checks and writes (<see cref="IPushHandler"/>) for callers outside a push request: imports
/// (docs/imports.md) hand their schema-valid documents here, so both paths bind the unit, resolve references within the
/// caller's unit and upsert by the unit's key with the same code.
/// </summary>
internal static class PushWrite
{
    /// <summary>The push kind named <paramref name="name"/> (<c>instruments</c>, <c>service-records</c>, …), or null.</summary>
    public static PushKind? Find(string name) => PushKind.All.FirstOrDefault(k => k.Name == name);

    /// <summary>
    /// Checks <paramref name="items"/> (already valid against the kind's schema) with the kind's push handler, then writes
    /// the ones still valid, all in one transaction: they are all written or, if the database refuses, none is. Returns the
    /// refused items by their index in <paramref name="items"/>, with JSON Pointers into the item.
    /// </summary>
    public static async Task<(IReadOnlyList<PushRejection> Rejected, int Created, int Updated)> CheckAndWriteAsync(
        CatalogDbContext db, PushKind kind, string? unitId, Province? nodeProvince, IReadOnlyList<JsonElement> items, CancellationToken cancellationToken)
    {
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            // No unit only for the registry of units, whose handler binds nothing to one (as in PushService).
            var batch = new PushBatch(db, unitId!, DateTime.UtcNow, items) { NodeProvince = nodeProvince };
            batch.ReadKeys(kind.KeyProperty);
            var handler = kind.CreateHandler(batch);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await handler.CheckAsync(cancellationToken);
            var rejected = batch.Rejections();
            var (created, updated) = rejected.Count < items.Count ? await handler.WriteAsync(cancellationToken) : (0, 0);
            await transaction.CommitAsync(cancellationToken);
            db.ChangeTracker.Clear();
            return ((IReadOnlyList<PushRejection>)rejected, created, updated);
        });
    }
}
