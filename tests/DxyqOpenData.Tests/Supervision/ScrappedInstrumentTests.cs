using System.Net;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Api.UsageSessions;
using DxyqOpenData.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DxyqOpenData.Tests.Supervision;

/// <summary>
/// Rule 2: a scrapped instrument's sensors are recovered. Pushing an instrument as scrapped turns its active sensors
/// into recovered ones and ends their open runs at the sensor's last report, in the push's transaction (an atomic push
/// refused for another item changes nothing); an active sensor cannot be linked to it afterwards. Read back over OData.
/// </summary>
public abstract class ScrappedInstrumentTests(DatabaseProvider provider)
{
    private static DateTimeOffset Beijing(int y, int m, int d, int h, int min = 0) => AlertSweepTests.Beijing(y, m, d, h, min);

    private static JsonObject Sensor(string id, string instrument, string status = "active") =>
        new() { ["externalId"] = id, ["instrumentInnerId"] = instrument, ["format"] = "canonical", ["status"] = status };

    private static JsonObject Scrapped(string innerId)
    {
        var instrument = SupervisionNode.Instrument(innerId, "2026-02-20", status: "scrapped");
        instrument["scrappedOn"] = "2026-03-06";
        return instrument;
    }

    private static async Task<JsonObject> ReadAsync(SupervisionNode s, string set, string filter) =>
        Assert.Single((await s.ReaderA.GetJsonAsync($"/odata/{set}?$filter={filter}")).Values())!.AsObject();

    [Fact]
    public async Task Scrapping_recovers_the_active_sensors_and_ends_their_runs_at_the_last_report()
    {
        await using var s = await SupervisionNode.StartAsync(provider, Beijing(2026, 3, 2, 10));
        await s.PushAsync(s.WriterA, "instruments", SupervisionNode.Instrument("SC-1", "2026-02-20"), SupervisionNode.Instrument("SC-2", "2026-02-20"));
        await s.PushAsync(s.WriterA, "sensors", Sensor("sen-sc1", "SC-1"), Sensor("sen-sc2", "SC-2"));
        // Both running since 09:00 on 5 March (as the bridge stores runs); SC-1's sensor last reported at 11:30.
        await using (var scope = s.Node.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
            foreach (var innerId in new[] { "SC-1", "SC-2" })
            {
                var instrument = db.Instruments.AsTracking().Single(i => i.InnerId == innerId);
                instrument.RunState = RunState.Running;
                db.UsageSessions.Add(new UsageSession
                {
                    Id = Guid.NewGuid(), UnitId = SupervisionNode.UnitA, InstrumentId = instrument.Id, SensorId = instrument.SensorId,
                    StartedAt = Beijing(2026, 3, 5, 9).UtcDateTime, Source = SessionSource.Sensor, EndReason = SessionEnd.Open,
                });
            }
            await db.SaveChangesAsync();
            await db.Sensors.ExecuteUpdateAsync(u => u.SetProperty(x => x.LastSeenAt, Beijing(2026, 3, 5, 11, 30).UtcDateTime));
        }
        await s.MoveClockAsync(Beijing(2026, 3, 6, 10));

        // Atomic push refused for another item (an unknown region): nothing changes, the sensor stays active.
        var broken = SupervisionNode.Instrument("SC-X", "2026-02-20");
        broken["regionCode"] = "999999";
        var refused = await s.WriterA.PostAsync("/api/v1/push/instruments", SupervisionNode.Json(new JsonArray(Scrapped("SC-1"), broken)));
        await SupervisionNode.Ok(refused, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("active", (await ReadAsync(s, "Sensors", "id eq 'sen-sc1'"))["status"]!.GetValue<string>());
        Assert.Equal("open", (await ReadAsync(s, "UsageSessions", "sensorId eq 'sen-sc1'"))["endReason"]!.GetValue<string>());

        await s.PushAsync(s.WriterA, "instruments", Scrapped("SC-1"));
        Assert.Equal("recovered", (await ReadAsync(s, "Sensors", "id eq 'sen-sc1'"))["status"]!.GetValue<string>());
        var run = await ReadAsync(s, "UsageSessions", "sensorId eq 'sen-sc1'");
        // Ended at its last report, 11:30 on 5 March: 2.5 h, not up to the push a day later.
        Assert.Equal(Beijing(2026, 3, 5, 11, 30), run["endedAt"]!.GetValue<DateTimeOffset>());
        Assert.Equal(2.5, run["hours"]!.GetValue<double>(), 6);
        Assert.Equal("recovered", run["endReason"]!.GetValue<string>());
        var instrument1 = await s.InstrumentAsync("SC-1");
        Assert.Equal(("scrapped", "unknown"), (instrument1["status"]!.GetValue<string>(), instrument1["runState"]!.GetValue<string>()));
        // The other instrument keeps its sensor and its run.
        Assert.Equal("active", (await ReadAsync(s, "Sensors", "id eq 'sen-sc2'"))["status"]!.GetValue<string>());
        var other = await ReadAsync(s, "UsageSessions", "sensorId eq 'sen-sc2'");
        Assert.Equal(("open", null), (other["endReason"]!.GetValue<string>(), other["endedAt"]?.GetValue<DateTimeOffset>()));
        Assert.Equal("running", (await s.InstrumentAsync("SC-2"))["runState"]!.GetValue<string>());

        // Pushed again as active onto the scrapped instrument: an item error, the sensor stays recovered.
        var again = await s.WriterA.PostAsync("/api/v1/push/sensors", SupervisionNode.Json(new JsonArray(Sensor("sen-sc1", "SC-1"))));
        var problem = await SupervisionNode.Ok(again, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("scrapped", problem.ToJsonString());
        Assert.Equal("recovered", (await ReadAsync(s, "Sensors", "id eq 'sen-sc1'"))["status"]!.GetValue<string>());
    }
}

public sealed class SqliteScrappedInstrumentTests() : ScrappedInstrumentTests(DatabaseProvider.Sqlite);

public sealed class PostgreSqlScrappedInstrumentTests() : ScrappedInstrumentTests(DatabaseProvider.PostgreSql);
