using System.Security.Cryptography;
using System.Text;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.UsageSessions;
using DxyqOpenData.SensorBridge.Pipeline;
using DxyqOpenData.SensorBridge.Processing;
using DxyqOpenData.SensorBridge.Readings;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Sensors;

/// <summary>
/// The host's side of the sensor bridge: active sensors (with any session left open) in, usage sessions and run
/// states out, one transaction per batch. Confidential instruments' sensors count too, hence IgnoreQueryFilters.
/// </summary>
internal sealed class SensorSink(CatalogDbContext db) : ISensorSink
{
    /// <summary>A sensor registered without a heartbeat is taken as reporting at least every 5 minutes.</summary>
    private const int DefaultHeartbeatSeconds = 300;

    public async Task<IReadOnlyDictionary<string, SensorInfo>> LoadSensorsAsync(CancellationToken cancellationToken)
    {
        var open = await db.UsageSessions.IgnoreQueryFilters().AsNoTracking()
            .Where(s => s.Source == SessionSource.Sensor && s.EndReason == SessionEnd.Open && s.SensorId != null)
            .Select(s => new { s.SensorId, s.StartedAt })
            .ToListAsync(cancellationToken);
        var openBySensor = open.GroupBy(s => s.SensorId!).ToDictionary(g => g.Key, g => g.Max(s => s.StartedAt));
        var sensors = await db.Sensors.AsNoTracking()
            .Where(s => s.Status == SensorStatus.Active)
            .Select(s => new { s.Id, s.InstrumentId, s.Format, s.HeartbeatSeconds, s.SecretHash, s.LastSeenAt })
            .ToListAsync(cancellationToken);
        return sensors.ToDictionary(s => s.Id, s => new SensorInfo(
            s.Id, s.InstrumentId?.ToString(), s.Format,
            TimeSpan.FromSeconds(s.HeartbeatSeconds > 0 ? s.HeartbeatSeconds : DefaultHeartbeatSeconds),
            s.SecretHash,
            openBySensor.TryGetValue(s.Id, out var since) ? Utc(since) : null,
            s.LastSeenAt is { } seen ? Utc(seen) : null));
    }

    public async Task WriteAsync(Batch batch, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var units = await UnitsOfAsync(batch, cancellationToken);

        foreach (var opened in batch.Opened)
        {
            if (await SessionAsync(opened.SensorId, opened.InstrumentId, opened.StartedAt, units, cancellationToken) is { } session)
            {
                session.EndReason = SessionEnd.Open;
            }
        }
        foreach (var closed in batch.Closed)
        {
            if (await SessionAsync(closed.SensorId, closed.InstrumentId, closed.StartedAt, units, cancellationToken) is { } session)
            {
                session.EndedAt = closed.EndedAt;
                session.Hours = closed.Hours;
                session.EndReason = closed.Reason == SessionEndReason.Offline ? SessionEnd.Offline : SessionEnd.StateChange;
            }
        }
        await db.SaveChangesAsync(cancellationToken);

        foreach (var update in batch.RunStates)
        {
            await db.Sensors.Where(s => s.Id == update.SensorId)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.LastSeenAt, update.LastSeenAt), cancellationToken);
            if (Guid.TryParse(update.InstrumentId, out var instrumentId))
            {
                var state = update.State switch
                {
                    RunStateKind.Off => RunState.Off,
                    RunStateKind.Standby => RunState.Standby,
                    RunStateKind.Running => RunState.Running,
                    _ => RunState.Unknown,
                };
                await db.Instruments.IgnoreQueryFilters().Where(i => i.Id == instrumentId)
                    .ExecuteUpdateAsync(i => i.SetProperty(x => x.RunState, state).SetProperty(x => x.LastSeenAt, update.LastSeenAt), cancellationToken);
            }
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The session (SensorId, StartedAt), found or added; none for a sensor without an instrument.</summary>
    private async Task<UsageSession?> SessionAsync(string sensorId, string? instrument, DateTime startedAt, IReadOnlyDictionary<Guid, string> units, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(instrument, out var instrumentId) || !units.TryGetValue(instrumentId, out var unitId)) return null;
        var id = SessionId(sensorId, startedAt);
        var session = db.UsageSessions.Local.FirstOrDefault(s => s.Id == id)
            ?? await db.UsageSessions.IgnoreQueryFilters().FirstOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (session is null)
        {
            session = new UsageSession
            {
                Id = id, UnitId = unitId, InstrumentId = instrumentId, SensorId = sensorId,
                StartedAt = startedAt, Source = SessionSource.Sensor, EndReason = SessionEnd.Open,
            };
            db.UsageSessions.Add(session);
        }
        return session;
    }

    private async Task<IReadOnlyDictionary<Guid, string>> UnitsOfAsync(Batch batch, CancellationToken cancellationToken)
    {
        var ids = batch.Opened.Select(o => o.InstrumentId).Concat(batch.Closed.Select(c => c.InstrumentId))
            .Select(i => Guid.TryParse(i, out var g) ? g : Guid.Empty).Where(g => g != Guid.Empty).Distinct().ToList();
        if (ids.Count == 0) return new Dictionary<Guid, string>();
        return await db.Instruments.IgnoreQueryFilters().AsNoTracking().Where(i => ids.Contains(i.Id))
            .ToDictionaryAsync(i => i.Id, i => i.UnitId, cancellationToken);
    }

    /// <summary>Sessions are keyed by (sensor, start): the same key gives the same id, so a replayed batch is idempotent.</summary>
    internal static Guid SessionId(string sensorId, DateTime startedAt) =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes($"{sensorId}|{startedAt.Ticks}"))[..16]);

    private static DateTime Utc(DateTime t) => DateTime.SpecifyKind(t, DateTimeKind.Utc);
}
