using System.Security.Cryptography;
using System.Text;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.UsageSessions;
using DxyqOpenData.SensorBridge.Pipeline;
using DxyqOpenData.SensorBridge.Processing;
using DxyqOpenData.SensorBridge.Readings;
using LinqToDB;
using LinqToDB.Data;
using LinqToDB.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using DxyqOpenData.SensorBridge;

namespace DxyqOpenData.Api.Sensors;

/// <summary>
/// The host's side of the sensor bridge: active sensors (with any session left open) in, usage sessions and run
/// states, raw readings, daily rollups and dead letters out, one transaction per batch (a failed batch leaves nothing,
/// so the writer's retry stores it exactly once). Confidential instruments' sensors count too, hence IgnoreQueryFilters.
/// </summary>
internal sealed class SensorSink(CatalogDbContext db, IOptions<SensorBridgeOptions> options) : ISensorSink
{
    /// <summary>The rollups' day is the calendar day in China Standard Time (no daylight saving).</summary>
    internal static readonly TimeSpan DayOffset = TimeSpan.FromHours(8);

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
        // A batch is stored whole or not at all; one whose first reading is already there was stored before (a retry
        // after a commit whose answer was lost) and adds nothing to readings and rollups again.
        var first = batch.Readings.Count > 0 ? batch.Readings[0] : null;
        // A range, not equality: on SQLite the bulk copy writes times with milliseconds ("…00.000") and EF without.
        var readingsStored = first is not null
            && await db.SensorReadings.AnyAsync(r => r.SensorId == first.SensorId
                && r.Ts >= first.Timestamp.AddMilliseconds(-1) && r.Ts < first.Timestamp.AddMilliseconds(1), cancellationToken);
        var newlyClosed = new List<SessionClosed>();
        foreach (var closed in batch.Closed)
        {
            if (await SessionAsync(closed.SensorId, closed.InstrumentId, closed.StartedAt, units, cancellationToken) is { } session)
            {
                if (session.EndedAt != closed.EndedAt) newlyClosed.Add(closed);
                session.EndedAt = closed.EndedAt;
                session.Hours = closed.Hours;
                session.EndReason = closed.Reason == SessionEndReason.Offline ? SessionEnd.Offline : SessionEnd.StateChange;
            }
        }
        await db.SaveChangesAsync(cancellationToken);

        if (!readingsStored) await WriteReadingsAsync(batch.Readings, cancellationToken);
        await WriteRollupsAsync(readingsStored ? [] : batch.Readings, newlyClosed, cancellationToken);
        await WriteDeadLettersAsync(batch, cancellationToken);

        foreach (var update in batch.RunStates)
        {
            await db.Sensors.Where(s => s.Id == update.SensorId)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.LastSeenAt, update.LastSeenAt), cancellationToken);
            if (Guid.TryParse(update.InstrumentId, out var instrumentId))
            {
                var state = ToRunState(update.State);
                await db.Instruments.IgnoreQueryFilters().Where(i => i.Id == instrumentId)
                    .ExecuteUpdateAsync(i => i.SetProperty(x => x.RunState, state).SetProperty(x => x.LastSeenAt, update.LastSeenAt), cancellationToken);
            }
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private async Task WriteReadingsAsync(IReadOnlyList<NormalizedReading> readings, CancellationToken cancellationToken)
    {
        if (readings.Count == 0) return;
        LinqToDBForEFTools.Initialize();
        var rows = readings.Select(r => new SensorReading
        {
            SensorId = r.SensorId,
            InstrumentId = Guid.TryParse(r.InstrumentId, out var instrument) ? instrument : null,
            Ts = r.Timestamp,
            State = ToRunState(r.State),
            PowerW = r.PowerW,
            Seq = r.Seq,
        });
        var bulk = new BulkCopyOptions
        {
            // PostgreSQL takes binary COPY; SQLite multi-row INSERTs inside the batch's transaction.
            BulkCopyType = db.Database.IsNpgsql() ? BulkCopyType.ProviderSpecific : BulkCopyType.MultipleRows,
            MaxBatchSize = 5_000,
        };
        await db.BulkCopyAsync(bulk, rows, cancellationToken);
    }

    /// <summary>
    /// Adds the batch to <c>instrument_daily_usage</c>: its readings per instrument and day, and the hours of the sessions
    /// it closes, split over the days they cover. Rows are read, changed and saved through EF: one query, one save.
    /// </summary>
    private async Task WriteRollupsAsync(IReadOnlyList<NormalizedReading> readings, IReadOnlyList<SessionClosed> closedSessions, CancellationToken cancellationToken)
    {
        var delta = new Dictionary<(Guid, DateOnly), (double Hours, long Readings)>();
        foreach (var reading in readings)
        {
            if (!Guid.TryParse(reading.InstrumentId, out var instrument)) continue;
            var key = (instrument, DayOf(reading.Timestamp));
            var current = delta.GetValueOrDefault(key);
            delta[key] = (current.Hours, current.Readings + 1);
        }
        foreach (var closed in closedSessions)
        {
            if (!Guid.TryParse(closed.InstrumentId, out var instrument)) continue;
            foreach (var (day, hours) in SplitByDay(closed.StartedAt, closed.EndedAt))
            {
                var current = delta.GetValueOrDefault((instrument, day));
                delta[(instrument, day)] = (current.Hours + hours, current.Readings);
            }
        }
        if (delta.Count == 0) return;

        var instruments = delta.Keys.Select(k => k.Item1).Distinct().ToList();
        var days = delta.Keys.Select(k => k.Item2).Distinct().ToList();
        var existing = await db.InstrumentDailyUsage.AsTracking()
            .Where(u => instruments.Contains(u.InstrumentId) && days.Contains(u.Day))
            .ToDictionaryAsync(u => (u.InstrumentId, u.Day), cancellationToken);
        foreach (var ((instrument, day), (hours, count)) in delta)
        {
            if (!existing.TryGetValue((instrument, day), out var row))
            {
                row = new InstrumentDailyUsage { InstrumentId = instrument, Day = day };
                db.InstrumentDailyUsage.Add(row);
            }
            row.RunningHours += hours;
            row.Readings += count;
        }
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Appends the batch's dead letters and deletes the oldest beyond <c>SensorBridge:DeadLetterCapacity</c>.</summary>
    private async Task WriteDeadLettersAsync(Batch batch, CancellationToken cancellationToken)
    {
        if (batch.DeadLetters.Count == 0) return;
        var capacity = Math.Max(1, options.Value.DeadLetterCapacity);
        foreach (var letter in batch.DeadLetters.TakeLast(capacity))
        {
            db.SensorDeadLetters.Add(new SensorDeadLetter
            {
                Topic = Truncate(letter.Topic, 512),
                Payload = letter.Payload,
                Reason = Truncate(letter.Reason, 32),
                Detail = Truncate(letter.Detail, 1000),
                ReceivedAt = letter.ReceivedAt,
            });
        }
        await db.SaveChangesAsync(cancellationToken);
        var oldestKept = await db.SensorDeadLetters.OrderByDescending(d => d.Id).Skip(capacity - 1)
            .Select(d => (long?)d.Id).FirstOrDefaultAsync(cancellationToken);
        if (oldestKept is { } id)
        {
            await db.SensorDeadLetters.Where(d => d.Id < id).ExecuteDeleteAsync(cancellationToken);
        }
    }

    internal static DateOnly DayOf(DateTime utc) => DateOnly.FromDateTime(utc + DayOffset);

    /// <summary>The hours of [start, end) on each day (UTC+08:00) it covers.</summary>
    internal static IEnumerable<(DateOnly Day, double Hours)> SplitByDay(DateTime start, DateTime end)
    {
        var from = start + DayOffset;
        var to = end + DayOffset;
        while (from < to)
        {
            var next = from.Date.AddDays(1);
            var until = next < to ? next : to;
            yield return (DateOnly.FromDateTime(from), (until - from).TotalHours);
            from = until;
        }
    }

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length];

    private static RunState ToRunState(RunStateKind? state) => state switch
    {
        RunStateKind.Off => RunState.Off,
        RunStateKind.Standby => RunState.Standby,
        RunStateKind.Running => RunState.Running,
        _ => RunState.Unknown,
    };

    /// <summary>The session (SensorId, StartedAt), found or added; none for a sensor without an instrument.</summary>
    private async Task<UsageSession?> SessionAsync(string sensorId, string? instrument, DateTime startedAt, IReadOnlyDictionary<Guid, string> units, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(instrument, out var instrumentId) || !units.TryGetValue(instrumentId, out var unitId)) return null;
        var id = SessionId(sensorId, startedAt);
        var session = db.UsageSessions.Local.FirstOrDefault(s => s.Id == id)
            // Tracked: the context does not track queries by default, and this session is changed and saved.
            ?? await db.UsageSessions.IgnoreQueryFilters().AsTracking().FirstOrDefaultAsync(s => s.Id == id, cancellationToken);
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
