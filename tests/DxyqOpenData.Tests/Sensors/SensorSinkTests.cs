using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Api.Sensors;
using DxyqOpenData.Api.UsageSessions;
using DxyqOpenData.SensorBridge;
using DxyqOpenData.SensorBridge.DeadLetters;
using DxyqOpenData.SensorBridge.Pipeline;
using DxyqOpenData.SensorBridge.Processing;
using DxyqOpenData.SensorBridge.Readings;
using DxyqOpenData.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DxyqOpenData.Tests.Sensors;

/// <summary>
/// The host's sink for the sensor bridge, on the demo database — SQLite and PostgreSQL (their write paths differ:
/// prepared INSERTs against binary COPY; the run-state UPDATEs and rollup upserts run on both).
/// </summary>
public abstract class SensorSinkTests(NodeFactory node)
{
    [Fact]
    public async Task A_batch_becomes_a_usage_session_and_the_instruments_run_state_idempotently()
    {
        await using var scope = node.Services.CreateAsyncScope();
        var sink = scope.ServiceProvider.GetRequiredService<ISensorSink>();
        var sensors = await sink.LoadSensorsAsync(CancellationToken.None);
        var sensor = sensors.Values.First(s => s.InstrumentId is not null);
        Assert.Contains(sensors.Values, s => s.Format == "pm-binary");

        var start = new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        var batch = new Batch(
            [new NormalizedReading(sensor.Id, sensor.InstrumentId, start, RunStateKind.Running, 1500, 1)],
            [new SessionOpened(sensor.Id, sensor.InstrumentId, start)],
            [new SessionClosed(sensor.Id, sensor.InstrumentId, start, start.AddHours(2.5), SessionEndReason.StateChange)],
            [new RunStateUpdate(sensor.Id, sensor.InstrumentId, RunStateKind.Standby, start.AddHours(2.5))],
            []);
        await sink.WriteAsync(batch, CancellationToken.None);
        await sink.WriteAsync(batch, CancellationToken.None); // a retried batch changes nothing

        var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
        var sessions = await db.UsageSessions.IgnoreQueryFilters().AsNoTracking()
            .Where(s => s.SensorId == sensor.Id && s.StartedAt == start).ToListAsync();
        var session = Assert.Single(sessions);
        Assert.Equal((2.5, SessionEnd.StateChange, SessionSource.Sensor), (session.Hours, session.EndReason, session.Source));
        var instrument = await db.Instruments.IgnoreQueryFilters().AsNoTracking().SingleAsync(i => i.Id == Guid.Parse(sensor.InstrumentId!));
        Assert.Equal(RunState.Standby, instrument.RunState);
        Assert.Equal(start.AddHours(2.5), instrument.LastSeenAt);

        // The raw reading once, and the day's rollup (UTC+08:00) with the session's hours once.
        var readings = await node.RowsAsync($"SELECT state, power_w, seq FROM sensor_readings WHERE sensor_id = '{sensor.Id}'");
        var reading = Assert.Single(readings);
        Assert.Equal("running", reading[0]);
        Assert.Equal(1500d, Convert.ToDouble(reading[1]));
        Assert.Equal(1L, Convert.ToInt64(reading[2]));
        var rollup = await db.InstrumentDailyUsage.AsNoTracking()
            .SingleAsync(u => u.InstrumentId == Guid.Parse(sensor.InstrumentId!) && u.Day == new DateOnly(2026, 3, 1));
        Assert.Equal((2.5, 1L), (rollup.RunningHours, rollup.Readings));
    }

    [Fact]
    public async Task A_session_opened_in_one_batch_is_closed_in_a_later_one_and_the_rollup_adds_up()
    {
        await using var scope = node.Services.CreateAsyncScope();
        var sink = scope.ServiceProvider.GetRequiredService<ISensorSink>();
        var sensor = (await sink.LoadSensorsAsync(CancellationToken.None)).Values.Where(s => s.InstrumentId is not null).Skip(1).First();
        var start = new DateTime(2026, 3, 2, 1, 0, 0, DateTimeKind.Utc);
        await sink.WriteAsync(new Batch(
            [new NormalizedReading(sensor.Id, sensor.InstrumentId, start, RunStateKind.Running, 1500, 1)],
            [new SessionOpened(sensor.Id, sensor.InstrumentId, start)], [],
            [new RunStateUpdate(sensor.Id, sensor.InstrumentId, RunStateKind.Running, start)], []), CancellationToken.None);
        await sink.WriteAsync(new Batch(
            [new NormalizedReading(sensor.Id, sensor.InstrumentId, start.AddHours(1), RunStateKind.Off, 0, 2)],
            [], [new SessionClosed(sensor.Id, sensor.InstrumentId, start, start.AddHours(1), SessionEndReason.StateChange)],
            [new RunStateUpdate(sensor.Id, sensor.InstrumentId, RunStateKind.Off, start.AddHours(1))], []), CancellationToken.None);

        var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
        var session = await db.UsageSessions.IgnoreQueryFilters().AsNoTracking().SingleAsync(s => s.SensorId == sensor.Id && s.StartedAt == start);
        Assert.Equal((1.0, SessionEnd.StateChange, (DateTime?)start.AddHours(1)), (session.Hours, session.EndReason, session.EndedAt));
        var rollup = await db.InstrumentDailyUsage.AsNoTracking()
            .SingleAsync(u => u.InstrumentId == Guid.Parse(sensor.InstrumentId!) && u.Day == new DateOnly(2026, 3, 2));
        Assert.Equal((1.0, 2L), (rollup.RunningHours, rollup.Readings));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task A_retried_batch_stores_exactly_the_readings_it_does_not_have_yet(int seed)
    {
        await using var scope = node.Services.CreateAsyncScope();
        var sink = scope.ServiceProvider.GetRequiredService<ISensorSink>();
        var random = new Random(seed);
        var sensor = (await sink.LoadSensorsAsync(CancellationToken.None)).Values.Where(s => s.InstrumentId is not null).Skip(1 + seed).First();
        // Readings with and without seq, two sharing a time (a device stamping in whole seconds), one day per seed.
        var day = new DateTime(2026, 4, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(seed);
        var all = Enumerable.Range(0, 60).Select(i => new NormalizedReading(sensor.Id, sensor.InstrumentId,
            day.AddSeconds(i / 2 * 10), RunStateKind.Running, i, i % 7 == 0 ? null : i)).ToList();
        all.RemoveAll(r => r.Seq is null && all.Any(o => o != r && o.Timestamp == r.Timestamp && o.Seq is null));
        var first = all.Where(_ => random.Next(2) == 0).ToList();
        var readingsBefore = await RollupReadingsAsync();
        await sink.WriteAsync(Readings(first), CancellationToken.None);
        // The retry: everything, stored or not, in another order, with the first reading among the stored ones.
        var retry = all.OrderBy(_ => random.Next()).ToList();
        var stored = retry.FindIndex(first.Contains);
        (retry[0], retry[stored]) = (retry[stored], retry[0]);
        await sink.WriteAsync(Readings(retry), CancellationToken.None);
        await sink.WriteAsync(Readings(retry), CancellationToken.None);

        // Each reading once (its power is its index), read back by SQL; the day's rollup counts each once too.
        var rows = await node.RowsAsync($"SELECT power_w FROM sensor_readings WHERE sensor_id = '{sensor.Id}'");
        Assert.Equal(all.Select(r => r.PowerW!.Value).Order(), rows.Select(r => Convert.ToDouble(r[0])).Order());
        Assert.Equal(readingsBefore + all.Count, await RollupReadingsAsync());

        static Batch Readings(List<NormalizedReading> readings) => new(readings, [], [], [], []);
        async Task<long> RollupReadingsAsync() => await scope.ServiceProvider.GetRequiredService<CatalogDbContext>().InstrumentDailyUsage
            .AsNoTracking().Where(u => u.InstrumentId == Guid.Parse(sensor.InstrumentId!) && u.Day == DateOnly.FromDateTime(day.AddHours(8)))
            .SumAsync(u => u.Readings);
    }

    /// <summary>
    /// The sessions' side (docs/sensors.md, "Several bridges"): stored readings come back after the position in the
    /// order they were stored, and a writer whose position was moved by another (a lease taken over) stores nothing.
    /// </summary>
    [Fact]
    public async Task Stored_readings_are_read_in_storage_order_and_a_stale_sessions_writer_stores_nothing()
    {
        await using var scope = node.Services.CreateAsyncScope();
        var sink = scope.ServiceProvider.GetRequiredService<ISensorSink>();
        var sensor = (await sink.LoadSensorsAsync(CancellationToken.None)).Values.Where(s => s.InstrumentId is not null).Skip(6).First();
        var position = await sink.SessionsPositionAsync(CancellationToken.None);
        var start = new DateTime(2026, 5, 1, 0, 0, 0, DateTimeKind.Utc);
        // Two batches, the second older than the first: storage order, not time order, is what comes back.
        NormalizedReading Reading(int minutes, int seq) => new(sensor.Id, sensor.InstrumentId, start.AddMinutes(minutes), RunStateKind.Running, 10, seq);
        await sink.WriteAsync(new Batch([Reading(10, 3), Reading(11, 4)], [], [], [], []), CancellationToken.None);
        await sink.WriteAsync(new Batch([Reading(0, 1), Reading(11, 4), Reading(1, 2)], [], [], [], []), CancellationToken.None);

        var read = (await sink.ReadReadingsAsync(position, 100, CancellationToken.None)).Where(r => r.Reading.SensorId == sensor.Id).ToList();
        Assert.Equal([3L, 4L, 1L, 2L], read.Select(r => r.Reading.Seq!.Value));
        Assert.True(read.Zip(read.Skip(1)).All(p => p.First.Position < p.Second.Position));
        var to = read[^1].Position;

        var opened = new Batch([], [new SessionOpened(sensor.Id, sensor.InstrumentId, start)], [], [], []);
        Assert.True(await sink.WriteSessionsAsync(opened, position, to, CancellationToken.None));
        Assert.Equal(to, await sink.SessionsPositionAsync(CancellationToken.None));
        var stale = new Batch([], [new SessionOpened(sensor.Id, sensor.InstrumentId, start.AddMinutes(1))], [], [], []);
        Assert.False(await sink.WriteSessionsAsync(stale, position, to, CancellationToken.None));
        var sessions = await node.RowsAsync($"SELECT started_at FROM usage_sessions WHERE sensor_id = '{sensor.Id}' AND started_at >= {Literal(start)} AND started_at < {Literal(start.AddHours(1))}");
        Assert.Single(sessions);
        Assert.Equal(to, await sink.SessionsPositionAsync(CancellationToken.None));
    }

    private string Literal(DateTime utc) => node.Provider == DatabaseProvider.PostgreSql
        ? $"TIMESTAMPTZ '{utc:yyyy-MM-dd HH:mm:ss.ffffff}Z'"
        : $"'{utc:yyyy-MM-dd HH:mm:ss.FFFFFFF}'";

    [Fact]
    public void A_session_over_midnight_counts_on_both_days_in_china_standard_time()
    {
        // 15:00Z-17:00Z is 23:00-01:00 in Beijing.
        var split = SensorSink.SplitByDay(new DateTime(2026, 3, 1, 15, 0, 0, DateTimeKind.Utc), new DateTime(2026, 3, 1, 17, 0, 0, DateTimeKind.Utc)).ToList();
        Assert.Equal([(new DateOnly(2026, 3, 1), 1.0), (new DateOnly(2026, 3, 2), 1.0)], split);
    }

    [Fact]
    public async Task Dead_letters_are_stored_raw_and_bounded_oldest_first_out()
    {
        await using var scope = node.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
        var sink = new SensorSink(db, Microsoft.Extensions.Options.Options.Create(new SensorBridgeOptions { DeadLetterCapacity = 3 }));
        var at = new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < 5; i++)
        {
            await sink.WriteAsync(new Batch([], [], [], [], [new DeadLetter($"dxyq/v1/sensors/x{i}/telemetry", [0xFF, (byte)i], "malformed", "not JSON", at.AddSeconds(i))]), CancellationToken.None);
        }
        var kept = await db.SensorDeadLetters.AsNoTracking().OrderBy(d => d.Id).ToListAsync();
        Assert.Equal(["dxyq/v1/sensors/x2/telemetry", "dxyq/v1/sensors/x3/telemetry", "dxyq/v1/sensors/x4/telemetry"], kept.Select(d => d.Topic));
        Assert.Equal(new byte[] { 0xFF, 4 }, kept[^1].Payload);
    }

    [Fact]
    public async Task Readings_older_than_the_retention_are_purged()
    {
        await using var scope = node.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
        db.SensorReadings.AddRange(
            new SensorReading { SensorId = "retention-old", Ts = DateTime.UtcNow.AddDays(-31), State = RunState.Off },
            new SensorReading { SensorId = "retention-new", Ts = DateTime.UtcNow.AddDays(-29), State = RunState.Off });
        await db.SaveChangesAsync();
        var purged = await node.Services.GetRequiredService<ReadingRetentionService>().PurgeAsync(CancellationToken.None);
        Assert.True(purged >= 1);
        Assert.Equal(["retention-new"], await db.SensorReadings.Where(r => r.SensorId.StartsWith("retention-")).Select(r => r.SensorId).ToListAsync());
    }
}

public sealed class SqliteSensorSinkTests(SqliteNode node) : SensorSinkTests(node), IClassFixture<SqliteNode>;

public sealed class PostgreSqlSensorSinkTests(PostgreSqlNode node) : SensorSinkTests(node), IClassFixture<PostgreSqlNode>;
