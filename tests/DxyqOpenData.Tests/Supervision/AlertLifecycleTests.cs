using System.Text.Json.Nodes;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DxyqOpenData.Tests.Supervision;

/// <summary>
/// The rules AlertSweepTests leaves out, each raised on the right Beijing day, resolved when it clears and raised again
/// as a new alert: onboarding overdue (an instrument the node knew before it was onboarded) turning into a late
/// onboarding, service information overdue until mode, content, fee standard and an offering's process are complete,
/// a sensor offline until it reports again. And a restarted node on the same database sweeping without duplicates.
/// Every date worked out by hand.
/// </summary>
public abstract class AlertLifecycleTests(DatabaseProvider provider)
{
    private static DateTimeOffset Beijing(int y, int m, int d, int h, int min = 0) => AlertSweepTests.Beijing(y, m, d, h, min);

    private static Task<JsonNode> SweepAsync(SupervisionNode s) => AlertSweepTests.SweepAsync(s);

    private static Task<List<JsonObject>> AlertsAsync(SupervisionNode s, string kind) => AlertSweepTests.AlertsAsync(s, $"kind eq '{kind}'");

    private static string Text(JsonObject alert, string property) => alert[property]!.GetValue<string>();

    [Fact]
    public async Task Onboarding_overdue_is_raised_the_Beijing_day_after_the_deadline_and_onboarding_turns_it_into_a_late_onboarding()
    {
        await using var s = await SupervisionNode.StartAsync(provider, Beijing(2026, 2, 10, 10));
        // Known to the node before it was onboarded (as the asset-cloud sync brings instruments): accepted Monday
        // 2026-01-05, due Saturday 14 February (6-30 January 19 working days, 2-13 February 10, the 14th worked: 调休).
        await using (var scope = s.Node.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
            db.Instruments.Add(new Instrument
            {
                Id = Guid.NewGuid(), UnitId = SupervisionNode.UnitA, InnerId = "O-1", Name = "场发射扫描电子显微镜", CategoryCode = "020301",
                RegionCode = "330106", PriceCny = 450000m, AcceptanceDate = new DateOnly(2026, 1, 5), OnboardingDueDate = new DateOnly(2026, 2, 14),
                Status = InstrumentStatus.Normal, ShareMode = ShareMode.Open, UpdatedAt = s.Clock.Now.UtcDateTime,
            });
            await db.SaveChangesAsync();
        }
        await s.MoveClockAsync(Beijing(2026, 2, 14, 23, 30));
        await SweepAsync(s);
        Assert.Empty(await AlertsAsync(s, "onboardingOverdue"));
        // 00:10 on the 15th in Beijing is still the 14th in UTC: overdue by the Beijing date.
        await s.MoveClockAsync(Beijing(2026, 2, 15, 0, 10));
        Assert.Equal(1, (await SweepAsync(s))["raised"]!.GetValue<int>());
        var overdue = Assert.Single(await AlertsAsync(s, "onboardingOverdue"));
        Assert.Equal(("2026-02-15", "2026-02-14", "warning"), (Text(overdue, "since"), Text(overdue, "referenceDate"), Text(overdue, "severity")));
        Assert.Null(overdue["resolvedAt"]);

        // Pushed (onboarded) on Monday 2 March: 15-23 February off, 24-27 February 4 working days, Saturday 28 February
        // (调休) 5, 2 March 6 working days late. The overdue alert resolves; the late onboarding stays on record.
        await s.MoveClockAsync(Beijing(2026, 3, 2, 10));
        await s.PushAsync(s.WriterA, "instruments", SupervisionNode.Instrument("O-1", "2026-01-05"));
        Assert.Equal(6, (await s.InstrumentAsync("O-1"))["onboardingLateDays"]!.GetValue<int>());
        var result = await SweepAsync(s);
        Assert.Equal((1, 1), (result["raised"]!.GetValue<int>(), result["resolved"]!.GetValue<int>()));
        overdue = Assert.Single(await AlertsAsync(s, "onboardingOverdue"));
        Assert.Equal(s.Clock.Now, overdue["resolvedAt"]!.GetValue<DateTimeOffset>());
        Assert.Contains("onboarded", Text(overdue, "resolutionReason"));
        var late = Assert.Single(await AlertsAsync(s, "onboardedLate"));
        Assert.Equal(("2026-03-02", "2026-02-14"), (Text(late, "since"), Text(late, "referenceDate")));
        Assert.Contains("6个工作日", Text(late, "message"));

        // A restarted node on the same database (the first one stays up, holding nothing) finds nothing to change.
        var open = await s.Node.ScalarAsync<long>("SELECT COUNT(*) FROM alerts WHERE resolved_at IS NULL");
        await using var restarted = await SupervisionNode.StartAsync(provider, s.Clock.Now, s.Node.ConnectionString);
        var again = await SupervisionNode.Ok(await restarted.Admin.PostAsync("/api/v1/supervision/sweep", null));
        Assert.Equal((0, 0, 0), (again["raised"]!.GetValue<int>(), again["resolved"]!.GetValue<int>(), again["updated"]!.GetValue<int>()));
        Assert.Equal(open, await s.Node.ScalarAsync<long>("SELECT COUNT(*) FROM alerts WHERE resolved_at IS NULL"));
        Assert.Equal(2, await s.Node.ScalarAsync<long>("SELECT COUNT(*) FROM alerts"));
    }

    [Fact]
    public async Task Service_information_overdue_is_raised_after_three_months_and_resolved_only_when_complete()
    {
        await using var s = await SupervisionNode.StartAsync(provider, Beijing(2026, 3, 2, 10));
        // Onboarded 2 March (Beijing), on time (accepted 20 February, due in April): service information due 2 June.
        // An internal-only instrument is held to no sharing rule.
        await s.PushAsync(s.WriterA, "instruments", SupervisionNode.Instrument("SI-1", "2026-02-20"),
            SupervisionNode.Instrument("SI-2", "2026-02-20", shareMode: "internalOnly"));
        Assert.Equal("2026-06-02", (await s.InstrumentAsync("SI-1"))["serviceInfoDueDate"]!.GetValue<string>());
        await s.MoveClockAsync(Beijing(2026, 6, 2, 23));
        await SweepAsync(s);
        Assert.Empty(await AlertsAsync(s, "serviceInfoOverdue"));
        await s.MoveClockAsync(Beijing(2026, 6, 3, 0, 30));
        await SweepAsync(s);
        var overdue = Assert.Single(await AlertsAsync(s, "serviceInfoOverdue"));
        Assert.Equal(("2026-06-03", "2026-06-02"), (Text(overdue, "since"), Text(overdue, "referenceDate")));
        Assert.Equal((await s.InstrumentAsync("SI-1"))["id"]!.GetValue<string>(), Text(overdue, "instrumentId"));

        // Content and fee standard, but no offering describing its process yet: still incomplete.
        var described = SupervisionNode.Instrument("SI-1", "2026-02-20");
        described["serviceContent"] = "材料表面形貌观察与元素分析";
        described["feeStandard"] = "校外 600 元/小时";
        await s.PushAsync(s.WriterA, "instruments", described);
        var offering = new JsonObject
        {
            ["externalId"] = "SRV-SI-1", ["instrumentInnerId"] = "SI-1", ["name"] = "形貌观察（校外）", ["kind"] = "testing",
            ["feeCny"] = 600m, ["feeUnit"] = "hour",
        };
        await s.PushAsync(s.WriterA, "service-offerings", offering.DeepClone().AsObject());
        await SweepAsync(s);
        Assert.Null(Assert.Single(await AlertsAsync(s, "serviceInfoOverdue"))["resolvedAt"]);
        Assert.Null((await s.InstrumentAsync("SI-1"))["serviceInfoCompletedAt"]);

        // The process completes it: the sweep records the completion and resolves the alert.
        await s.MoveClockAsync(Beijing(2026, 6, 4, 9));
        offering["process"] = "线上预约 → 送样 → 测试 → 线上报告";
        await s.PushAsync(s.WriterA, "service-offerings", offering.DeepClone().AsObject());
        await SweepAsync(s);
        overdue = Assert.Single(await AlertsAsync(s, "serviceInfoOverdue"));
        Assert.Equal(s.Clock.Now, overdue["resolvedAt"]!.GetValue<DateTimeOffset>());
        Assert.Contains("complete", Text(overdue, "resolutionReason"));
        Assert.Equal(s.Clock.Now, (await s.InstrumentAsync("SI-1"))["serviceInfoCompletedAt"]!.GetValue<DateTimeOffset>());
        Assert.Null((await s.InstrumentAsync("SI-2"))["serviceInfoCompletedAt"]);
    }

    [Fact]
    public async Task A_sensor_offline_resolves_when_it_reports_and_is_raised_anew_when_it_falls_silent_again()
    {
        await using var s = await SupervisionNode.StartAsync(provider, Beijing(2026, 3, 2, 10));
        await s.PushAsync(s.WriterA, "instruments", SupervisionNode.Instrument("SO-1", "2026-02-20"));
        await s.PushAsync(s.WriterA, "sensors", new JsonObject
        {
            ["externalId"] = "sen-so1", ["instrumentInnerId"] = "SO-1", ["format"] = "canonical", ["status"] = "active",
            ["installedAt"] = "2026-03-02T09:00:00+08:00",
        });
        // Never heard from since installed at 09:00 on 2 March: silent past 24 h from 09:00 on the 3rd.
        await s.MoveClockAsync(Beijing(2026, 3, 3, 8, 59));
        await SweepAsync(s);
        Assert.Empty(await AlertsAsync(s, "sensorOffline"));
        await s.MoveClockAsync(Beijing(2026, 3, 3, 9, 30));
        await SweepAsync(s);
        var offline = Assert.Single(await AlertsAsync(s, "sensorOffline"));
        Assert.Equal(("2026-03-03", "2026-03-02", "notice"), (Text(offline, "since"), Text(offline, "referenceDate"), Text(offline, "severity")));

        // It reports at 09:40 (the bridge's sink sets the sensor's last-seen time): resolved at the next sweep.
        await HeardAsync(s, "sen-so1", Beijing(2026, 3, 3, 9, 40));
        await s.MoveClockAsync(Beijing(2026, 3, 3, 10));
        Assert.Equal(1, (await SweepAsync(s))["resolved"]!.GetValue<int>());
        Assert.Contains("reports again", Text(Assert.Single(await AlertsAsync(s, "sensorOffline")), "resolutionReason"));

        // Silent again for more than 24 h after 09:40 on the 3rd: a new alert, measured from that report.
        await s.MoveClockAsync(Beijing(2026, 3, 4, 9, 39));
        await SweepAsync(s);
        Assert.Single(await AlertsAsync(s, "sensorOffline"));
        await s.MoveClockAsync(Beijing(2026, 3, 4, 10));
        await SweepAsync(s);
        var alerts = await AlertsAsync(s, "sensorOffline");
        Assert.Equal(2, alerts.Count);
        Assert.Equal(("2026-03-04", "2026-03-03"), (Text(alerts[1], "since"), Text(alerts[1], "referenceDate")));
        Assert.Null(alerts[1]["resolvedAt"]);

        // A sensor set inactive is not offline: resolved.
        await s.PushAsync(s.WriterA, "sensors", new JsonObject
        {
            ["externalId"] = "sen-so1", ["instrumentInnerId"] = "SO-1", ["format"] = "canonical", ["status"] = "inactive",
        });
        await SweepAsync(s);
        Assert.All(await AlertsAsync(s, "sensorOffline"), a => Assert.NotNull(a["resolvedAt"]));
    }

    private static async Task HeardAsync(SupervisionNode s, string sensorId, DateTimeOffset at)
    {
        await using var scope = s.Node.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
        Assert.Equal(1, await db.Sensors.Where(x => x.Id == sensorId).ExecuteUpdateAsync(u => u.SetProperty(x => x.LastSeenAt, at.UtcDateTime)));
    }
}

public sealed class SqliteAlertLifecycleTests() : AlertLifecycleTests(DatabaseProvider.Sqlite);

public sealed class PostgreSqlAlertLifecycleTests() : AlertLifecycleTests(DatabaseProvider.PostgreSql);
