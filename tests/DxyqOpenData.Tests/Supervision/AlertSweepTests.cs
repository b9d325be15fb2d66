using System.Net;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Supervision;
using DxyqOpenData.Api.UsageSessions;
using DxyqOpenData.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DxyqOpenData.Tests.Supervision;

/// <summary>
/// The alert sweep over HTTP with real tokens on a small fixture with a test clock: each rule raised on the right
/// (Beijing) day, resolved when its condition clears, raised again as a new alert on a new breach; idleness from
/// service records and from sensor sessions; explanations by the owning unit only. Every date worked out by hand.
/// </summary>
public abstract class AlertSweepTests(DatabaseProvider provider)
{
    private static DateTimeOffset Beijing(int y, int m, int d, int h, int min = 0) => new(y, m, d, h, min, 0, TimeSpan.FromHours(8));

    private static async Task<JsonNode> SweepAsync(SupervisionNode s) =>
        await SupervisionNode.Ok(await s.Admin.PostAsync("/api/v1/supervision/sweep", null));

    private static async Task<List<JsonObject>> AlertsAsync(SupervisionNode s, string filter) =>
        [.. (await s.Admin.GetJsonAsync($"/odata/Alerts?$filter={filter}&$orderby=raisedAt")).Values().Select(a => a!.AsObject())];

    private static async Task<Dictionary<string, JsonObject>> OpenAsync(SupervisionNode s) =>
        (await AlertsAsync(s, "resolvedAt eq null")).ToDictionary(a => a["kind"]!.GetValue<string>());

    [Fact]
    public async Task Deadline_and_idle_alerts_are_raised_on_time_resolved_and_raised_again()
    {
        await using var s = await SupervisionNode.StartAsync(provider, Beijing(2026, 3, 2, 10));
        // Accepted Monday 2026-01-05: due Saturday 14 February (调休). Onboarded Monday 2 March: 15-23 February off,
        // 24-27 February 4, Saturday 28 February (调休) 5, Monday 2 March 6 working days late.
        await s.PushAsync(s.WriterA, "instruments", SupervisionNode.Instrument("S-1", "2026-01-05"));
        await SweepAsync(s);
        var open = await OpenAsync(s);
        var late = Assert.Single(open.Values);
        Assert.Equal("onboardedLate", late["kind"]!.GetValue<string>());
        Assert.Equal("2026-02-14", late["referenceDate"]!.GetValue<string>());
        Assert.Equal("2026-03-02", late["since"]!.GetValue<string>());
        Assert.Contains("6个工作日", late["message"]!.GetValue<string>());
        Assert.NotNull(late["clearedBy"]);

        // Sensor due 30 working days after 2 March: 3-31 March 21, 1-3 April 24, 清明 4-6 April off, 7-10 April 28,
        // 13 April 29, Tuesday 14 April 30. At 23:00 on the 14th (Beijing) it is not overdue; at 00:30 on the 15th
        // (16:30 UTC on the 14th) it is. Idle: no power-on since 2 March, a month complete on 2 April: since 3 April.
        await s.MoveClockAsync(Beijing(2026, 4, 14, 23));
        await SweepAsync(s);
        open = await OpenAsync(s);
        Assert.Equal(["idle1Month", "onboardedLate"], open.Keys.Order());
        Assert.Equal("2026-04-03", open["idle1Month"]["since"]!.GetValue<string>());
        Assert.Equal("2026-03-02", open["idle1Month"]["referenceDate"]!.GetValue<string>());
        Assert.Equal("notice", open["idle1Month"]["severity"]!.GetValue<string>());
        await s.MoveClockAsync(Beijing(2026, 4, 15, 0, 30));
        var result = await SweepAsync(s);
        Assert.Equal(1, result["raised"]!.GetValue<int>());
        open = await OpenAsync(s);
        Assert.Equal("2026-04-15", open["sensorOverdue"]["since"]!.GetValue<string>());
        Assert.Equal("2026-04-14", open["sensorOverdue"]["referenceDate"]!.GetValue<string>());
        var firstSensorAlert = open["sensorOverdue"]["id"]!.GetValue<string>();

        // A sweep that finds nothing new changes nothing.
        result = await SweepAsync(s);
        Assert.Equal((0, 0, 0), (result["raised"]!.GetValue<int>(), result["resolved"]!.GetValue<int>(), result["updated"]!.GetValue<int>()));

        // An active sensor clears it; a service record on 10 April is a power-on: idleness clears too.
        await s.PushAsync(s.WriterA, "sensors", new JsonObject
        {
            ["externalId"] = "sen-s1", ["instrumentInnerId"] = "S-1", ["format"] = "canonical", ["status"] = "active",
            ["installedAt"] = "2026-04-15T00:20:00+08:00",
        });
        await s.PushAsync(s.WriterA, "service-records", Record("R-1", "S-1", "2026-04-10T09:00:00+08:00", "2026-04-10T11:00:00+08:00", 2));
        result = await SweepAsync(s);
        Assert.Equal(2, result["resolved"]!.GetValue<int>());
        Assert.Equal(["onboardedLate"], (await OpenAsync(s)).Keys);
        var resolved = (await AlertsAsync(s, "resolvedAt ne null")).ToDictionary(a => a["kind"]!.GetValue<string>());
        Assert.Contains("active sensor", resolved["sensorOverdue"]["resolutionReason"]!.GetValue<string>());
        Assert.Contains("powered on", resolved["idle1Month"]["resolutionReason"]!.GetValue<string>());
        Assert.Equal(s.Clock.Now, resolved["sensorOverdue"]["resolvedAt"]!.GetValue<DateTimeOffset>());

        // The sensor set inactive: overdue again, as a new alert; the first stays resolved.
        await s.PushAsync(s.WriterA, "sensors", new JsonObject
        {
            ["externalId"] = "sen-s1", ["instrumentInnerId"] = "S-1", ["format"] = "canonical", ["status"] = "inactive",
        });
        await SweepAsync(s);
        var sensorAlerts = await AlertsAsync(s, "kind eq 'sensorOverdue'");
        Assert.Equal(2, sensorAlerts.Count);
        Assert.Equal(firstSensorAlert, Assert.Single(sensorAlerts, a => a["resolvedAt"] is not null)["id"]!.GetValue<string>());
        Assert.Single(sensorAlerts, a => a["resolvedAt"] is null);

        // Idle again a month after the 10 April run (complete 10 May): raised on 11 May, a new alert measured from 10 April.
        await s.MoveClockAsync(Beijing(2026, 5, 10, 23, 59));
        await SweepAsync(s);
        Assert.False((await OpenAsync(s)).ContainsKey("idle1Month"));
        await s.MoveClockAsync(Beijing(2026, 5, 11, 8));
        await SweepAsync(s);
        var idle = await AlertsAsync(s, "kind eq 'idle1Month'");
        Assert.Equal(2, idle.Count);
        Assert.Equal("2026-04-10", idle[1]["referenceDate"]!.GetValue<string>());
        Assert.Equal("2026-05-11", idle[1]["since"]!.GetValue<string>());
    }

    [Fact]
    public async Task Idle_months_and_offline_sensors_are_measured_from_sensor_sessions()
    {
        await using var s = await SupervisionNode.StartAsync(provider, Beijing(2026, 1, 5, 10));
        await s.PushAsync(s.WriterA, "instruments", SupervisionNode.Instrument("I-2", "2025-12-20", shareMode: "internalOnly"));
        await s.PushAsync(s.WriterA, "sensors", new JsonObject
        {
            ["externalId"] = "sen-i2", ["instrumentInnerId"] = "I-2", ["format"] = "canonical", ["status"] = "active",
            ["installedAt"] = "2026-01-06T09:00:00+08:00",
        });
        // The bridge's runs, as it stores them: the latest power-on started 20 January (Beijing).
        await using (var scope = s.Node.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
            var instrument = db.Instruments.Single(i => i.InnerId == "I-2");
            foreach (var (start, hours) in new[] { (Beijing(2026, 1, 12, 9), 3.0), (Beijing(2026, 1, 20, 14), 1.5) })
            {
                db.UsageSessions.Add(new UsageSession
                {
                    Id = Guid.NewGuid(), UnitId = SupervisionNode.UnitA, InstrumentId = instrument.Id, SensorId = "sen-i2",
                    StartedAt = start.UtcDateTime, EndedAt = start.UtcDateTime.AddHours(hours), Hours = hours,
                    Source = Api.UsageSessions.SessionSource.Sensor, EndReason = Api.UsageSessions.SessionEnd.StateChange,
                });
            }
            await db.SaveChangesAsync();
        }
        // On 20 July: 1 month complete 20 February, 3 months 20 April, 6 months 20 July (not yet past).
        await s.MoveClockAsync(Beijing(2026, 7, 20, 12));
        await SweepAsync(s);
        var open = await OpenAsync(s);
        Assert.Equal(["idle1Month", "idle3Months", "sensorOffline"], open.Keys.Order());
        Assert.Equal("2026-02-21", open["idle1Month"]["since"]!.GetValue<string>());
        Assert.Equal("2026-04-21", open["idle3Months"]["since"]!.GetValue<string>());
        Assert.Equal("warning", open["idle3Months"]["severity"]!.GetValue<string>());
        Assert.Equal("2026-01-20", open["idle3Months"]["referenceDate"]!.GetValue<string>());
        // Never heard from since installed 6 January 09:00: silent past 24 h from 7 January.
        Assert.Equal("2026-01-07", open["sensorOffline"]["since"]!.GetValue<string>());
        await s.MoveClockAsync(Beijing(2026, 7, 21, 0, 10));
        await SweepAsync(s);
        open = await OpenAsync(s);
        Assert.Equal("2026-07-21", open["idle6Months"]["since"]!.GetValue<string>());
        Assert.Equal("critical", open["idle6Months"]["severity"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_owning_unit_explains_its_alert_and_administrators_read_it()
    {
        await using var s = await SupervisionNode.StartAsync(provider, Beijing(2026, 3, 2, 10));
        await s.PushAsync(s.WriterA, "instruments", SupervisionNode.Instrument("E-1", "2026-01-05"));
        await SweepAsync(s);
        var alert = Assert.Single(await AlertsAsync(s, "resolvedAt eq null"))["id"]!.GetValue<string>();
        var url = $"/api/v1/alerts/{alert}/explanation";
        JsonObject Body(string? reason, string? text) => new() { ["reason"] = reason, ["text"] = text };

        await SupervisionNode.Ok(await s.WriterB.PutAsync(url, SupervisionNode.Json(Body("repair", null))), HttpStatusCode.NotFound);
        await SupervisionNode.Ok(await s.ReaderA.PutAsync(url, SupervisionNode.Json(Body("repair", null))), HttpStatusCode.Forbidden);
        await SupervisionNode.Ok(await s.Admin.PostAsync("/api/v1/supervision/sweep", null), HttpStatusCode.OK);
        await SupervisionNode.Ok(await s.WriterA.PostAsync("/api/v1/supervision/sweep", null), HttpStatusCode.Forbidden);
        foreach (var (reason, text, field) in new[] { ("broken", (string?)null, "reason"), ("other", "  ", "text"), ("other", new string('x', 2001), "text") })
        {
            var problem = await SupervisionNode.Ok(await s.WriterA.PutAsync(url, SupervisionNode.Json(Body(reason, text))), HttpStatusCode.BadRequest);
            Assert.NotNull(problem["errors"]![field]);
        }
        Assert.Null((await AlertsAsync(s, $"id eq {alert}"))[0]["explanationReason"]);

        await SupervisionNode.Ok(await s.WriterA.PutAsync(url, SupervisionNode.Json(Body("other", "验收资料补录延误"))));
        var read = (await AlertsAsync(s, $"id eq {alert}"))[0];
        Assert.Equal("other", read["explanationReason"]!.GetValue<string>());
        Assert.Equal("验收资料补录延误", read["explanation"]!.GetValue<string>());
        Assert.Equal(s.Clock.Now, read["explainedAt"]!.GetValue<DateTimeOffset>());
        // Unit B's reader does not see unit A's alerts.
        Assert.Empty((await s.ReaderB.GetJsonAsync("/odata/Alerts")).Values());
    }

    [Fact]
    public async Task An_active_sensor_onto_a_scrapped_instrument_is_an_item_error()
    {
        await using var s = await SupervisionNode.StartAsync(provider, Beijing(2026, 3, 2, 10));
        var scrapped = SupervisionNode.Instrument("SC-1", "2024-01-05", status: "scrapped");
        scrapped["scrappedOn"] = "2026-02-01";
        await s.PushAsync(s.WriterA, "instruments", scrapped, SupervisionNode.Instrument("SC-2", "2026-01-05"));
        var sensor = new JsonObject { ["externalId"] = "sen-sc", ["instrumentInnerId"] = "SC-1", ["format"] = "canonical", ["status"] = "active" };
        var refused = await s.WriterA.PostAsync("/api/v1/push/sensors", SupervisionNode.Json(new JsonArray(sensor.DeepClone())));
        var body = await SupervisionNode.Ok(refused, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("scrapped", body.ToJsonString());
        Assert.Null((await s.InstrumentAsync("SC-1"))["sensorId"]);
        // Recovered (or onto a live instrument) it is fine.
        sensor["status"] = "recovered";
        await s.PushAsync(s.WriterA, "sensors", sensor.DeepClone().AsObject());
        await s.PushAsync(s.WriterA, "sensors", new JsonObject { ["externalId"] = "sen-sc2", ["instrumentInnerId"] = "SC-2", ["format"] = "canonical", ["status"] = "active" });
    }

    internal static JsonObject Record(string externalId, string instrument, string started, string ended, double hours, bool external = true,
        string? userCreditCode = null)
    {
        var record = new JsonObject
        {
            ["externalId"] = externalId, ["instrumentInnerId"] = instrument, ["startedAt"] = started, ["endedAt"] = ended, ["hours"] = hours,
            ["userName"] = "李明", ["userOrganization"] = external ? "淳安某新材料有限公司" : "浙江大学", ["isExternal"] = external,
            ["feeCny"] = 100m, ["paymentMethod"] = "transfer",
        };
        if (userCreditCode is not null)
        {
            record["userCreditCode"] = userCreditCode;
        }
        return record;
    }
}

public sealed class SqliteAlertSweepTests() : AlertSweepTests(DatabaseProvider.Sqlite);

public sealed class PostgreSqlAlertSweepTests() : AlertSweepTests(DatabaseProvider.PostgreSql);
