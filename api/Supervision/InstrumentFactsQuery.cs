using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Api.Sensors;
using DxyqOpenData.Api.UsageSessions;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Supervision;

/// <summary>Loads <see cref="InstrumentFacts"/> for every instrument: one projection and three grouped queries, never a query per instrument.</summary>
internal static class InstrumentFactsQuery
{
    public static async Task<Dictionary<Guid, InstrumentFacts>> LoadAsync(CatalogDbContext db, CancellationToken cancellationToken)
    {
        var instruments = await db.Instruments.IgnoreQueryFilters([Instrument.PublishedFilter]).AsNoTracking()
            .Select(i => new InstrumentFacts(i.Id, i.UnitId, i.Unit!.Name, i.Name, i.InnerId, i.Status, i.IsConfidential, i.ShareMode,
                i.ScrappedOn, i.OnboardingDueDate, i.OnboardedAt, i.OnboardingLateDays, i.SensorDueDate, i.ServiceInfoDueDate,
                i.ServiceInfoCompletedAt, i.SensorId, i.SensorInstalledAt))
            .ToListAsync(cancellationToken);
        var sensors = await db.Sensors.AsNoTracking()
            .Where(s => s.InstrumentId != null && s.Status == SensorStatus.Active)
            .Select(s => new { s.Id, s.LastSeenAt })
            .ToDictionaryAsync(s => s.Id, s => s.LastSeenAt, cancellationToken);
        // The latest power-on is the start of the latest run; (instrument_id, started_at) indexes answer both.
        var sensorRuns = await db.UsageSessions.AsNoTracking().Where(s => s.Source == SessionSource.Sensor)
            .GroupBy(s => s.InstrumentId).Select(g => new { g.Key, Last = g.Max(s => s.StartedAt) })
            .ToDictionaryAsync(x => x.Key, x => x.Last, cancellationToken);
        var serviceRuns = await db.ServiceRecords.AsNoTracking()
            .GroupBy(r => r.InstrumentId).Select(g => new { g.Key, Last = g.Max(r => r.StartedAt) })
            .ToDictionaryAsync(x => x.Key, x => x.Last, cancellationToken);
        var facts = new Dictionary<Guid, InstrumentFacts>(instruments.Count);
        foreach (var i in instruments)
        {
            var active = i.SensorId is { } sensorId && sensors.ContainsKey(sensorId);
            // Sensor runs where the sensor has reported any; otherwise service records (rule "Rates").
            DateTime? lastOn = sensorRuns.TryGetValue(i.Id, out var run) ? run : serviceRuns.TryGetValue(i.Id, out var served) ? served : null;
            facts[i.Id] = i with
            {
                HasActiveSensor = active,
                SensorLastSeenAt = active ? sensors[i.SensorId!] : null,
                LastPowerOn = lastOn is { } t ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : null,
            };
        }
        return facts;
    }
}
