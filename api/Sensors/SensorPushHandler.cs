using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Api.Push;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Sensors;

internal sealed class SensorPushHandler(PushBatch batch) : PushHandler<SensorDocument>(batch)
{
    /// <summary>The heartbeat a sensor gets when its document names none (the sensor sink's default).</summary>
    public const int DefaultHeartbeatSeconds = 300;

    private Dictionary<string, Sensor> _existing = [];
    private List<Instrument> _instruments = [];

    protected override string KeyPath => "/externalId";

    protected override async Task CheckRulesAsync(CancellationToken cancellationToken)
    {
        // Sensor ids are unique across the platform: look them up in every unit, and refuse another unit's.
        var ids = Valid.Select(v => v.Doc.ExternalId).ToList();
        _existing = ids.Count == 0 ? [] : await Db.Sensors.AsTracking()
            .Where(x => EF.Parameter(ids).Contains(x.Id))
            .ToDictionaryAsync(x => x.Id, StringComparer.Ordinal, cancellationToken);
        var innerIds = Valid.Select(v => v.Doc.InstrumentInnerId).OfType<string>().Distinct().ToList();
        // The instruments named, and those the batch's sensors are linked to now (one query): links move in memory.
        _instruments = await OwnInstruments.AsTracking()
            .Where(x => x.UnitId == Unit && (innerIds.Contains(x.InnerId) || (x.SensorId != null && ids.Contains(x.SensorId))))
            .ToListAsync(cancellationToken);
        var byInnerId = _instruments.ToDictionary(x => x.InnerId, StringComparer.Ordinal);
        var linked = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (i, doc) in Valid.ToList())
        {
            if (_existing.TryGetValue(doc.ExternalId, out var sensor) && sensor.UnitId != Unit)
            {
                Batch.Fail(i, "/externalId", $"Forbidden: sensor '{doc.ExternalId}' belongs to another unit; sensor ids are unique across the platform.");
            }
            if (doc.InstrumentInnerId is { } innerId)
            {
                if (!byInnerId.TryGetValue(innerId, out var target))
                {
                    UnknownInstrument(i, innerId);
                }
                else if (doc.Status == "active" && (target.Status == InstrumentStatus.Scrapped || target.ScrappedOn is not null))
                {
                    Batch.Fail(i, "/status", $"Instrument '{innerId}' is scrapped: its sensor is recovered (rule 2), so an active sensor cannot be linked to it.");
                }
                else if (linked.TryGetValue(innerId, out var first))
                {
                    Batch.Fail(i, "/instrumentInnerId", $"Instrument '{innerId}' gets a sensor twice in the batch (also at index {first}); an instrument has one sensor.");
                }
                else
                {
                    linked[innerId] = i;
                }
            }
        }
    }

    public override async Task<(int Created, int Updated)> WriteAsync(CancellationToken cancellationToken)
    {
        var created = new List<Sensor>();
        var updated = 0;
        var byInnerId = _instruments.ToDictionary(x => x.InnerId, StringComparer.Ordinal);
        var targets = new Dictionary<string, Instrument?>(StringComparer.Ordinal);
        foreach (var (_, doc) in Valid)
        {
            if (!_existing.TryGetValue(doc.ExternalId, out var row))
            {
                row = new Sensor { Id = doc.ExternalId, UnitId = Unit, Format = doc.Format, Status = SensorStatus.Inactive };
                created.Add(row);
            }
            else
            {
                updated++;
            }
            var instrument = doc.InstrumentInnerId is { } innerId ? byInnerId[innerId] : null;
            targets[doc.ExternalId] = instrument;
            row.InstrumentId = instrument?.Id;
            row.Format = doc.Format;
            row.Vendor = doc.Vendor;
            row.Model = doc.Model;
            row.InstalledAt = doc.InstalledAt?.UtcDateTime;
            row.CommissionedAt = doc.CommissionedAt?.UtcDateTime;
            row.HeartbeatSeconds = doc.HeartbeatSeconds ?? DefaultHeartbeatSeconds;
            row.Status = Wire<SensorStatus>(doc.Status);
            row.UpdatedAt = Now;
        }
        // New sensors first: instruments refer to them by foreign key.
        await InsertAsync(created, cancellationToken);

        // Instrument ↔ sensor links: an instrument whose sensor moved away loses it; a named instrument gets its sensor.
        var targetIds = targets.Values.OfType<Instrument>().Select(x => x.Id).ToList();
        var sensors = created.Concat(_existing.Values).ToDictionary(x => x.Id, StringComparer.Ordinal);
        foreach (var instrument in _instruments)
        {
            if (instrument.SensorId is { } current && targets.TryGetValue(current, out var target) && target?.Id != instrument.Id)
            {
                instrument.SensorId = null;
                instrument.SensorInstalledAt = null;
                instrument.UpdatedAt = Now;
            }
        }
        foreach (var (sensorId, instrument) in targets)
        {
            if (instrument is not null && instrument.SensorId != sensorId)
            {
                instrument.SensorId = sensorId;
                instrument.SensorInstalledAt = sensors[sensorId].InstalledAt ?? Now;
                instrument.UpdatedAt = Now;
            }
        }
        await SaveAsync(cancellationToken);
        if (targetIds.Count > 0)
        {
            // Sensors of this unit the named instruments had before, not in the batch, are unlinked.
            var batchIds = targets.Keys.ToList();
            await Db.Sensors
                .Where(s => s.UnitId == Unit && s.InstrumentId != null && targetIds.Contains(s.InstrumentId.Value) && !batchIds.Contains(s.Id))
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.InstrumentId, (Guid?)null), cancellationToken);
        }
        return (created.Count, updated);
    }
}
