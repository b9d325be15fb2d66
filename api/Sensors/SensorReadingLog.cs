using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Federation;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.SensorBridge.Pipeline;
using DxyqOpenData.SensorBridge.Readings;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Sensors;

/// <summary>
/// <c>sensor_readings</c> as a log the sessions read in the order readings were stored (docs/sensors.md, "Several
/// bridges"): a reading's position is its id. Ids are handed out as rows are inserted, not as transactions commit, so
/// each batch takes one row lock (<see cref="OrderName"/> in <c>node_settings</c>) before its readings: batches of
/// several bridges then insert and commit one after another, and no reading ever becomes visible behind a position
/// the sessions have already read past. The sessions' position is another row (<see cref="PositionName"/>), moved
/// only from the value its writer last read: a writer whose lease was taken over finds it moved and stops.
/// </summary>
internal static class SensorReadingLog
{
    public const string OrderName = "sensor-readings-order";
    public const string PositionName = "sensor-sessions-position";

    /// <summary>Waits for the batches of other bridges being stored, and holds theirs back until this one commits.</summary>
    public static async Task LockOrderAsync(CatalogDbContext db, CancellationToken cancellationToken)
    {
        if (await TouchAsync() == 1) return;
        // First use (a bridge makes the row on start; a sink used without one, here): a savepoint keeps the transaction
        // usable when another node adds the row at the same time.
        var transaction = db.Database.CurrentTransaction!;
        await transaction.CreateSavepointAsync("order", cancellationToken);
        db.NodeSettings.Add(new NodeSetting { Name = OrderName, Value = "order", CreatedAt = DateTime.UtcNow });
        try { await db.SaveChangesAsync(cancellationToken); }
        catch (DbUpdateException) { await transaction.RollbackToSavepointAsync("order", cancellationToken); }
        finally { db.ChangeTracker.Clear(); }
        await TouchAsync();

        Task<int> TouchAsync() => db.NodeSettings.Where(s => s.Name == OrderName)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.Value, s => s.Value), cancellationToken);
    }

    /// <summary>
    /// The sessions' position; made on first use at the newest stored reading (the older ones were sessionized when they
    /// came), together with the order's row.
    /// </summary>
    public static async Task<long> PositionAsync(CatalogDbContext db, CancellationToken cancellationToken)
    {
        if (!await db.NodeSettings.AnyAsync(s => s.Name == OrderName, cancellationToken)) await CreateAsync(db, OrderName, "order", cancellationToken);
        var stored = await db.NodeSettings.AsNoTracking().Where(s => s.Name == PositionName).Select(s => s.Value).SingleOrDefaultAsync(cancellationToken);
        if (stored is null)
        {
            var newest = await db.SensorReadings.MaxAsync(r => (long?)r.Id, cancellationToken) ?? 0;
            await CreateAsync(db, PositionName, newest.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
            stored = await db.NodeSettings.AsNoTracking().Where(s => s.Name == PositionName).Select(s => s.Value).SingleAsync(cancellationToken);
        }
        return long.Parse(stored, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Moves the position from <paramref name="from"/> to <paramref name="to"/>; false when it is not at <paramref name="from"/>.</summary>
    public static async Task<bool> MoveAsync(CatalogDbContext db, long from, long to, CancellationToken cancellationToken)
    {
        var was = from.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var next = to.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await db.NodeSettings.Where(s => s.Name == PositionName && s.Value == was)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.Value, next), cancellationToken) == 1;
    }

    public static async Task<IReadOnlyList<StoredReading>> ReadAsync(CatalogDbContext db, long after, int max, CancellationToken cancellationToken)
    {
        var rows = await db.SensorReadings.AsNoTracking().Where(r => r.Id > after).OrderBy(r => r.Id).Take(max)
            .Select(r => new { r.Id, r.SensorId, r.InstrumentId, r.Ts, r.State, r.PowerW, r.Seq })
            .ToListAsync(cancellationToken);
        return [.. rows.Select(r => new StoredReading(r.Id, new NormalizedReading(
            r.SensorId, r.InstrumentId?.ToString(), DateTime.SpecifyKind(r.Ts, DateTimeKind.Utc), ToKind(r.State), r.PowerW, r.Seq)))];
    }

    private static RunStateKind ToKind(RunState state) => state switch
    {
        RunState.Running => RunStateKind.Running,
        RunState.Standby => RunStateKind.Standby,
        _ => RunStateKind.Off,
    };

    /// <summary>Adds the row unless it is there; of two nodes adding it at once, the database lets one win.</summary>
    private static async Task CreateAsync(CatalogDbContext db, string name, string value, CancellationToken cancellationToken)
    {
        db.NodeSettings.Add(new NodeSetting { Name = name, Value = value, CreatedAt = DateTime.UtcNow });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }
}
