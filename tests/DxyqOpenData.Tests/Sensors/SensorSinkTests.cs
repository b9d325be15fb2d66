using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.SensorBridge.Pipeline;
using DxyqOpenData.SensorBridge.Processing;
using DxyqOpenData.SensorBridge.Readings;
using DxyqOpenData.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DxyqOpenData.Tests.Sensors;

/// <summary>The host's sink for the sensor bridge, on the demo database.</summary>
public sealed class SensorSinkTests(SqliteNode node) : IClassFixture<SqliteNode>
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
    }
}
