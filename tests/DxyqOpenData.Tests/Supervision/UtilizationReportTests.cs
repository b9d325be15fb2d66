using System.Net;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.UsageSessions;
using DxyqOpenData.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DxyqOpenData.Tests.Supervision;

/// <summary>
/// GET /api/v1/reports/utilization over HTTP with real tokens, on a fixture whose figures are worked out by hand below:
/// a period that cuts through a sensor run, an open run and a service record; sensor hours where there is a sensor,
/// service records where there is none; rated hours pro rata by the days onboarded; every grouping; JSON and CSV;
/// administrators see every unit, a unit only its own.
/// </summary>
public abstract class UtilizationReportTests(DatabaseProvider provider)
{
    private static DateTimeOffset Beijing(int y, int m, int d, int h, int min = 0) => new(y, m, d, h, min, 0, TimeSpan.FromHours(8));

    // Onboarded 2 March (Beijing): 30 days of March in service. Rated: 1,600 × 30 / 365 = 131.5068; 2,000 × 30 / 365 = 164.3836.
    private const double Rated1600 = 1600.0 * 30 / 365;
    private const double Rated2000 = 2000.0 * 30 / 365;

    private static async Task<SupervisionNode> FixtureAsync(DatabaseProvider provider)
    {
        var s = await SupervisionNode.StartAsync(provider, Beijing(2026, 3, 2, 10));
        var u2 = SupervisionNode.Instrument("U-2", "2026-02-20");
        u2["ratedHoursPerYear"] = 2000;
        await s.PushAsync(s.WriterA, "instruments", SupervisionNode.Instrument("U-1", "2026-02-20"), u2);
        var v1 = SupervisionNode.Instrument("V-1", "2026-02-20");
        v1["regionCode"] = "330127";
        v1["categoryCode"] = "030122";
        await s.PushAsync(s.WriterB, "instruments", v1);
        await s.PushAsync(s.WriterA, "sensors", new JsonObject { ["externalId"] = "sen-u2", ["instrumentInnerId"] = "U-2", ["format"] = "canonical", ["status"] = "active" });
        // U-1 (no sensor): 2 h external on 10 March; 4 h internal from 31 March 22:00 to 1 April 02:00, half of it in March.
        // U-2 (sensor): its service record (1 h external) does not count as machine hours, only as external service.
        // V-1 (unit B, no sensor): 3 h external on 15 March.
        await s.PushAsync(s.WriterA, "service-records",
            AlertSweepTests.Record("R1", "U-1", "2026-03-10T09:00:00+08:00", "2026-03-10T11:00:00+08:00", 2),
            AlertSweepTests.Record("R2", "U-1", "2026-03-31T22:00:00+08:00", "2026-04-01T02:00:00+08:00", 4, external: false),
            AlertSweepTests.Record("R3", "U-2", "2026-03-06T09:00:00+08:00", "2026-03-06T10:00:00+08:00", 1));
        await s.PushAsync(s.WriterB, "service-records", AlertSweepTests.Record("R4", "V-1", "2026-03-15T10:00:00+08:00", "2026-03-15T13:00:00+08:00", 3));
        // U-2's sensor runs: 5 March 08:00-12:00 (4 h); 28 February 20:00 to 1 March 02:00 (2 of its 6 h in March);
        // 31 March 23:00, still running (1 h in March).
        await using (var scope = s.Node.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
            var id = db.Instruments.Single(i => i.InnerId == "U-2").Id;
            foreach (var (start, end) in new (DateTimeOffset, DateTimeOffset?)[]
            {
                (Beijing(2026, 3, 5, 8), Beijing(2026, 3, 5, 12)), (Beijing(2026, 2, 28, 20), Beijing(2026, 3, 1, 2)), (Beijing(2026, 3, 31, 23), null),
            })
            {
                db.UsageSessions.Add(new UsageSession
                {
                    Id = Guid.NewGuid(), UnitId = SupervisionNode.UnitA, InstrumentId = id, SensorId = "sen-u2", StartedAt = start.UtcDateTime,
                    EndedAt = end?.UtcDateTime, Hours = end is { } e ? (e - start).TotalHours : 0, Source = SessionSource.Sensor,
                    EndReason = end is null ? SessionEnd.Open : SessionEnd.StateChange,
                });
            }
            await db.SaveChangesAsync();
        }
        await s.MoveClockAsync(Beijing(2026, 4, 2, 10));
        return s;
    }

    private static async Task<Dictionary<string, JsonObject>> ReportAsync(HttpClient client, string groupBy, string from = "2026-03-01", string to = "2026-03-31") =>
        (await client.GetJsonAsync($"/api/v1/reports/utilization?from={from}&to={to}&groupBy={groupBy}"))["value"]!.AsArray()
            .ToDictionary(r => r!["key"]!.GetValue<string>(), r => r!.AsObject());

    private static void Figures(JsonObject row, int instruments, double effective, double external, double rated)
    {
        Assert.Equal(instruments, row["instruments"]!.GetValue<int>());
        Assert.Equal(effective, row["effectiveHours"]!.GetValue<double>(), 2);
        Assert.Equal(external, row["externalHours"]!.GetValue<double>(), 2);
        Assert.Equal(rated, row["ratedHours"]!.GetValue<double>(), 2);
        Assert.Equal(effective / rated, row["usageRate"]!.GetValue<double>(), 4);
        if (effective > 0)
        {
            Assert.Equal(external / effective, row["sharingRate"]!.GetValue<double>(), 4);
        }
        else
        {
            Assert.Null(row["sharingRate"]);
        }
    }

    [Fact]
    public async Task Rates_per_grouping_over_a_period_that_cuts_through_runs_and_records()
    {
        await using var s = await FixtureAsync(provider);
        // U-1: 2 + 2 = 4 h, 2 external. U-2: 4 + 2 + 1 = 7 h (sensor), 1 external. V-1: 3 h, 3 external.
        var instruments = await ReportAsync(s.Admin, "instrument");
        Assert.Equal(3, instruments.Count);
        var byName = instruments.Values.ToDictionary(r => r["name"]!.GetValue<string>()[^4..^1]);
        Figures(byName["U-1"], 1, 4, 2, Rated1600);
        Figures(byName["U-2"], 1, 7, 1, Rated2000);
        Figures(byName["V-1"], 1, 3, 3, Rated1600);

        var units = await ReportAsync(s.Admin, "unit");
        Figures(units[SupervisionNode.UnitA], 2, 11, 3, Rated1600 + Rated2000);
        Figures(units[SupervisionNode.UnitB], 1, 3, 3, Rated1600);
        Assert.Equal("浙江大学", units[SupervisionNode.UnitA]["name"]!.GetValue<string>());
        var regions = await ReportAsync(s.Admin, "region");
        Figures(regions["330106"], 2, 11, 3, Rated1600 + Rated2000);
        Figures(regions["330127"], 1, 3, 3, Rated1600);
        Assert.Equal("淳安县", regions["330127"]["name"]!.GetValue<string>());
        Figures((await ReportAsync(s.Admin, "city"))["330100"], 3, 14, 6, 2 * Rated1600 + Rated2000);
        var categories = await ReportAsync(s.Admin, "category");
        Figures(categories["020301"], 2, 11, 3, Rated1600 + Rated2000);
        Figures(categories["030122"], 1, 3, 3, Rated1600);

        // 20 February to 5 March: U-1 in service 2-5 March (4 days: 1,600 × 4 / 365), no hours yet; U-2 ran 6 h from
        // 28 February to 1 March (before it was onboarded: the hours count, the rated hours do not) and 4 h on 5 March.
        var early = await ReportAsync(s.Admin, "instrument", "2026-02-20", "2026-03-05");
        var earlyByName = early.Values.ToDictionary(r => r["name"]!.GetValue<string>()[^4..^1]);
        Figures(earlyByName["U-1"], 1, 0, 0, 1600.0 * 4 / 365);
        Figures(earlyByName["U-2"], 1, 10, 0, 2000.0 * 4 / 365);
    }

    [Fact]
    public async Task A_unit_reads_its_own_figures_as_json_or_csv_and_bad_requests_are_400()
    {
        await using var s = await FixtureAsync(provider);
        var own = await ReportAsync(s.ReaderA, "unit");
        Assert.Equal([SupervisionNode.UnitA], own.Keys);
        Figures(own[SupervisionNode.UnitA], 2, 11, 3, Rated1600 + Rated2000);
        await SupervisionNode.Ok(await s.ReaderA.GetAsync($"/api/v1/reports/utilization?from=2026-03-01&to=2026-03-31&unitId={SupervisionNode.UnitB}"), HttpStatusCode.BadRequest);
        var onlyB = await s.Admin.GetJsonAsync($"/api/v1/reports/utilization?from=2026-03-01&to=2026-03-31&groupBy=instrument&unitId={SupervisionNode.UnitB}");
        Assert.Single(onlyB["value"]!.AsArray());
        await SupervisionNode.Ok(await s.Node.CreateClient().GetAsync("/api/v1/reports/utilization?from=2026-03-01&to=2026-03-31"), HttpStatusCode.Unauthorized);

        var csv = await Reports.ReportCsvAssert.SameAsJsonAsync(s.Admin, "/api/v1/reports/utilization?from=2026-03-01&to=2026-03-31&groupBy=region", "utilization");
        Assert.Equal(["分组键", "名称", "仪器数", "有效机时（小时）", "对外服务机时（小时）", "额定机时（小时）", "使用率", "共享率"], csv[0][..8]);
        // Hours to 2 places; 3 ÷ 131.5068 = 0.0228; 3 ÷ 3 = 1. The period closes each row.
        Assert.Equal(["330127", "淳安县", "1", "3", "3", "131.51", "0.0228", "1"], csv[2][..8]);
        Assert.Equal(["2026-03-01", "2026-03-31"], csv[2][^4..^2]);

        foreach (var (query, field) in new[]
        {
            ("to=2026-03-31", "from"), ("from=2026-02-30&to=2026-03-31", "from"), ("from=2026-03-31&to=2026-03-01", "to"),
            ("from=2026-03-01&to=2026-03-31&groupBy=province", "groupBy"), ("from=2026-03-01&to=2026-03-31&format=xml", "format"),
        })
        {
            var problem = await SupervisionNode.Ok(await s.Admin.GetAsync($"/api/v1/reports/utilization?{query}"), HttpStatusCode.BadRequest);
            Assert.NotNull(problem["errors"]![field]);
        }
    }
}

public sealed class SqliteUtilizationReportTests() : UtilizationReportTests(DatabaseProvider.Sqlite);

public sealed class PostgreSqlUtilizationReportTests() : UtilizationReportTests(DatabaseProvider.PostgreSql);
