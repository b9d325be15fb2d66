using System.Security.Cryptography;
using System.Text;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Instruments;
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
            .Select(s => new { s.Id, s.InstrumentId, s.Format, s.HeartbeatSeconds, s.SecretHash, s.LastSeenAt, s.SessionsThrough })
            .ToListAsync(cancellationToken);
        return sensors.ToDictionary(s => s.Id, s => new SensorInfo(
            s.Id, s.InstrumentId?.ToString(), s.Format,
            TimeSpan.FromSeconds(s.HeartbeatSeconds > 0 ? s.HeartbeatSeconds : DefaultHeartbeatSeconds),
            s.SecretHash,
            openBySensor.TryGetValue(s.Id, out var since) ? Utc(since) : null,
            s.LastSeenAt is { } seen ? Utc(seen) : null,
            s.SessionsThrough is { } through ? Utc(through) : null));
    }

    public async Task<int> WriteAsync(Batch batch, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var stored = await WriteBatchAsync(batch, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return stored;
    }

    public Task<long> SessionsPositionAsync(CancellationToken cancellationToken) => SensorReadingLog.PositionAsync(db, cancellationToken);

    public Task<IReadOnlyList<StoredReading>> ReadReadingsAsync(long after, int max, CancellationToken cancellationToken) =>
        SensorReadingLog.ReadAsync(db, after, max, cancellationToken);

    public async Task<bool> WriteSessionsAsync(Batch batch, long from, long to, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // The position first: a writer that lost its lease stops here, before it changes a session.
        if (!await SensorReadingLog.MoveAsync(db, from, to, cancellationToken)) return false;
        await WriteBatchAsync(batch, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    private async Task<int> WriteBatchAsync(Batch batch, CancellationToken cancellationToken)
    {
        if (db.Database.IsSqlite())
        {
            // Readings are appended (rowid and ts index), but a batch also updates rows of sensors, instruments and
            // rollups all over their tables: a page cache that holds those (SQLite's default is 2 MB), and checkpoints
            // every 64 MB of log rather than every 4 MB. (A PASSIVE checkpoint every second from a background
            // connection instead measured slower per reading, with slower worst batches.) Both stay with the pooled
            // connection. The sink reads through its own page cache, not the memory map the catalog's readers use
            // (SqlitePragmas): its pages change with every batch, and its figures were measured so.
            await db.Database.ExecuteSqlRawAsync("PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint=16384; PRAGMA mmap_size=0;", cancellationToken);
        }
        // Readings become visible to the sessions in the order their batches commit, whichever bridge stores them.
        if (batch.Readings.Count > 0) await SensorReadingLog.LockOrderAsync(db, cancellationToken);
        var units = await UnitsOfAsync(batch, cancellationToken);
        var sessions = await SessionsOfAsync(batch, cancellationToken);

        foreach (var opened in batch.Opened)
        {
            if (SessionOf(opened.SensorId, opened.InstrumentId, opened.StartedAt, units, sessions) is { } session)
            {
                session.EndReason = SessionEnd.Open;
            }
        }
        var newlyClosed = new List<SessionClosed>();
        foreach (var closed in batch.Closed)
        {
            if (SessionOf(closed.SensorId, closed.InstrumentId, closed.StartedAt, units, sessions) is { } session)
            {
                if (session.EndedAt is not { } ended || Key(closed.SensorId, Utc(ended)) != Key(closed.SensorId, closed.EndedAt)) newlyClosed.Add(closed);
                session.EndedAt = closed.EndedAt;
                session.Hours = closed.Hours;
                session.EndReason = closed.Reason == SessionEndReason.Offline ? SessionEnd.Offline : SessionEnd.StateChange;
            }
        }
        await db.SaveChangesAsync(cancellationToken);
        // Only the readings not stored yet count in the rollups: a batch stored again (a retry after a commit whose
        // answer was lost, messages redelivered after a crash) adds nothing twice.
        var added = await WriteReadingsAsync(batch.Readings, cancellationToken);
        await WriteRollupsAsync(added, newlyClosed, cancellationToken);
        await WriteDeadLettersAsync(batch, cancellationToken);
        await WriteRunStatesAsync(batch.RunStates, cancellationToken);
        return added.Count;
    }

    /// <summary>
    /// Each sensor's last-seen time, and each instrument's run state and last-seen time from the latest of its
    /// sensors' updates in the batch (one statement per sensor and per instrument, not per reading).
    /// </summary>
    private async Task WriteRunStatesAsync(IReadOnlyList<RunStateUpdate> updates, CancellationToken cancellationToken)
    {
        if (updates.Count == 0) return;
        await using (var sensors = new RowStatement(db, typeof(Sensor),
            "UPDATE {table} SET {LastSeenAt} = @p0, {SessionsThrough} = COALESCE(@p1, {SessionsThrough}) WHERE {Id} = @p2",
            nameof(Sensor.LastSeenAt), nameof(Sensor.SessionsThrough), nameof(Sensor.Id)))
        {
            foreach (var update in updates) await sensors.RunAsync(cancellationToken, update.LastSeenAt, update.SessionsThrough, update.SensorId);
        }
        var latest = new Dictionary<Guid, RunStateUpdate>();
        foreach (var update in updates)
        {
            if (!Guid.TryParse(update.InstrumentId, out var instrument)) continue;
            if (!latest.TryGetValue(instrument, out var known) || update.LastSeenAt > known.LastSeenAt) latest[instrument] = update;
        }
        if (latest.Count == 0) return;
        await using var instruments = new RowStatement(db, typeof(Instrument),
            "UPDATE {table} SET {RunState} = @p0, {LastSeenAt} = @p1 WHERE {Id} = @p2",
            nameof(Instrument.RunState), nameof(Instrument.LastSeenAt), nameof(Instrument.Id));
        foreach (var (instrument, update) in latest)
        {
            await instruments.RunAsync(cancellationToken, ToRunState(update.State), update.LastSeenAt, instrument);
        }
    }

    /// <summary>
    /// Stores the readings not stored yet and returns them. Whether a reading is there is the database's decision, per
    /// reading, by the unique index on (ts, sensor_id, seq): on PostgreSQL the batch goes in by binary COPY and, when
    /// that hits the index (some readings are there), again row by row with a conditional INSERT; elsewhere row by row.
    /// </summary>
    private async Task<IReadOnlyList<NormalizedReading>> WriteReadingsAsync(IReadOnlyList<NormalizedReading> readings, CancellationToken cancellationToken)
    {
        if (readings.Count == 0) return readings;
        if (db.Database.IsNpgsql())
        {
            // The common case, nothing of the batch stored, at COPY's speed; a savepoint keeps the transaction usable.
            var transaction = db.Database.CurrentTransaction!;
            await transaction.CreateSavepointAsync("readings", cancellationToken);
            try
            {
                await CopyReadingsAsync(readings, cancellationToken);
                return readings;
            }
            catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation)
            {
                await transaction.RollbackToSavepointAsync("readings", cancellationToken);
            }
        }
        // In time order: the rows and the ts index both grow at their ends (a batch already is in about time order).
        // One prepared statement run per row inside the batch's transaction: SQLite's fastest way in. The NOT EXISTS is
        // the index's own lookup; it also matches a missing seq, which SQLite's unique index takes as distinct.
        await using var insert = new RowStatement(db, typeof(SensorReading),
            "INSERT INTO {table} ({SensorId}, {InstrumentId}, {Ts}, {State}, {PowerW}, {Seq}) SELECT @p0, @p1, @p2, @p3, @p4, @p5 "
            + "WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE {Ts} = @p2 AND {SensorId} = @p0 AND ({Seq} = @p5 OR ({Seq} IS NULL AND @p5 IS NULL)))",
            nameof(SensorReading.SensorId), nameof(SensorReading.InstrumentId), nameof(SensorReading.Ts),
            nameof(SensorReading.State), nameof(SensorReading.PowerW), nameof(SensorReading.Seq));
        var added = new List<NormalizedReading>(readings.Count);
        var sqlite = db.Database.IsSqlite();
        foreach (var r in readings.OrderBy(r => r.Timestamp))
        {
            object?[] values = [r.SensorId, Guid.TryParse(r.InstrumentId, out var instrument) ? instrument : null,
                r.Timestamp, ToRunState(r.State), r.PowerW, r.Seq];
            // Microsoft.Data.Sqlite runs every command synchronously; its async form only adds overhead.
            var rows = sqlite ? insert.Run(values) : await insert.RunAsync(cancellationToken, values);
            if (rows > 0) added.Add(r);
        }
        return added;
    }

    private async Task CopyReadingsAsync(IReadOnlyList<NormalizedReading> readings, CancellationToken cancellationToken)
    {
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
        await db.BulkCopyAsync(new BulkCopyOptions { BulkCopyType = BulkCopyType.ProviderSpecific, MaxBatchSize = 5_000 }, rows, cancellationToken);
    }

    /// <summary>
    /// Adds the batch to <c>instrument_daily_usage</c>: its readings per instrument and day, and the hours of the sessions
    /// it closes, split over the days they cover: one upsert per row on SQLite and PostgreSQL, else read, changed and saved
    /// through EF (one query, one save).
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

        if (db.Database.IsSqlite() || db.Database.IsNpgsql())
        {
            // One upsert per (instrument, day) on the databases that have ON CONFLICT; no rows read back.
            await using var upsert = new RowStatement(db, typeof(InstrumentDailyUsage),
                "INSERT INTO {table} ({InstrumentId}, {Day}, {RunningHours}, {Readings}) VALUES (@p0, @p1, @p2, @p3) "
                + "ON CONFLICT ({InstrumentId}, {Day}) DO UPDATE SET {RunningHours} = {table}.{RunningHours} + excluded.{RunningHours}, "
                + "{Readings} = {table}.{Readings} + excluded.{Readings}",
                nameof(InstrumentDailyUsage.InstrumentId), nameof(InstrumentDailyUsage.Day),
                nameof(InstrumentDailyUsage.RunningHours), nameof(InstrumentDailyUsage.Readings));
            // In key order: the ingest and the sessions' writer update rollup rows in one order, so they never deadlock.
            foreach (var ((instrument, day), (hours, count)) in delta.OrderBy(d => d.Key)) await upsert.RunAsync(cancellationToken, instrument, day, hours, count);
            return;
        }
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

    /// <summary>
    /// The sessions the batch opens or closes that are stored already, tracked, in one query, by their key (sensor,
    /// start) whatever their id: the demo's open sessions and rows written before ids were derived have other ids.
    /// Starts match to the millisecond: PostgreSQL keeps microseconds, and SQLite rows may hold "…:ss.000" or "…:ss".
    /// </summary>
    private async Task<Dictionary<(string, DateTime), UsageSession>> SessionsOfAsync(Batch batch, CancellationToken cancellationToken)
    {
        var keys = batch.Opened.Select(o => (o.SensorId, o.StartedAt)).Concat(batch.Closed.Select(c => (c.SensorId, c.StartedAt))).ToList();
        if (keys.Count == 0) return [];
        var sensors = keys.Select(k => k.SensorId).Distinct().ToList();
        var from = keys.Min(k => k.StartedAt).AddMilliseconds(-1);
        var to = keys.Max(k => k.StartedAt).AddMilliseconds(1);
        // Tracked: the context does not track queries by default, and these sessions are changed and saved.
        var stored = await db.UsageSessions.IgnoreQueryFilters().AsTracking()
            .Where(s => s.SensorId != null && sensors.Contains(s.SensorId) && s.StartedAt >= from && s.StartedAt <= to)
            .ToListAsync(cancellationToken);
        var sessions = new Dictionary<(string, DateTime), UsageSession>();
        foreach (var session in stored) sessions.TryAdd(Key(session.SensorId!, Utc(session.StartedAt)), session);
        return sessions;
    }

    private static (string, DateTime) Key(string sensorId, DateTime startedAt) =>
        (sensorId, new DateTime(startedAt.Ticks - startedAt.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc));

    /// <summary>The session (SensorId, StartedAt), found or added; none for a sensor without an instrument.</summary>
    private UsageSession? SessionOf(string sensorId, string? instrument, DateTime startedAt, IReadOnlyDictionary<Guid, string> units, Dictionary<(string, DateTime), UsageSession> sessions)
    {
        if (!Guid.TryParse(instrument, out var instrumentId) || !units.TryGetValue(instrumentId, out var unitId)) return null;
        var key = Key(sensorId, startedAt);
        if (!sessions.TryGetValue(key, out var session))
        {
            session = new UsageSession
            {
                Id = SessionId(sensorId, startedAt), UnitId = unitId, InstrumentId = instrumentId, SensorId = sensorId,
                StartedAt = startedAt, Source = SessionSource.Sensor, EndReason = SessionEnd.Open,
            };
            db.UsageSessions.Add(session);
            sessions[key] = session;
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

