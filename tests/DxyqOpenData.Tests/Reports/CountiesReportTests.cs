using System.Net;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Supervision;

namespace DxyqOpenData.Tests.Reports;

/// <summary>
/// GET /api/v1/reports/counties/{year} over HTTP with real tokens: service records pushed through the push API with
/// users in 淳安县 (330127) and 龙泉市 (331181), two of the 26 mountain counties, in 西湖区 (not one) and nowhere; the
/// figures per county and unit, per county and in total, for 2025 against 2024 and for the current year against the
/// same dates a year before, worked out by hand below; the Beijing new year as the boundary; generated records summed by
/// the test itself; CSV equal to JSON.
/// </summary>
public abstract class CountiesReportTests(DatabaseProvider provider)
{
    private static JsonObject Record(string id, string instrument, string? region, string started, string ended, double hours, decimal fee,
        string? voucher = null, decimal voucherAmount = 0)
    {
        var record = AlertSweepTests.Record(id, instrument, started, ended, hours);
        record["feeCny"] = fee;
        if (region is not null)
        {
            record["userRegionCode"] = region;
        }
        if (voucher is not null)
        {
            record["paymentMethod"] = "voucher";
            record["voucherNo"] = voucher;
            record["voucherAmountCny"] = voucherAmount;
        }
        return record;
    }

    private static async Task<SupervisionNode> FixtureAsync(DatabaseProvider provider)
    {
        var s = await SupervisionNode.StartAsync(provider, ReviewFixture.Beijing(2026, 3, 1, 10));
        await s.PushAsync(s.WriterA, "instruments", SupervisionNode.Instrument("A-1", "2023-01-10"));
        var b1 = SupervisionNode.Instrument("B-1", "2023-01-10");
        b1["regionCode"] = "330127";
        await s.PushAsync(s.WriterB, "instruments", b1);
        await s.PushAsync(s.WriterA, "service-records",
            Record("R1", "A-1", "330127", "2025-03-10T09:00:00+08:00", "2025-03-10T12:00:00+08:00", 3, 300m),
            // 00:30 on 1 January 2025 in Beijing is still 2024 in UTC: it counts for 2025.
            Record("R2", "A-1", "330127", "2025-01-01T00:30:00+08:00", "2025-01-01T02:30:00+08:00", 2, 200.50m, "V-1", 150.25m),
            Record("R4", "A-1", "331181", "2025-07-01T08:00:00+08:00", "2025-07-01T09:30:00+08:00", 1.5, 150m),
            Record("R5", "A-1", "330106", "2025-05-01T08:00:00+08:00", "2025-05-01T13:00:00+08:00", 5, 999m),
            // 23:30 on 31 December 2024 in Beijing: 2024.
            Record("R7", "A-1", "330127", "2024-12-31T23:30:00+08:00", "2025-01-01T00:30:00+08:00", 1, 100m),
            Record("R8", "A-1", "330127", "2024-04-01T09:00:00+08:00", "2024-04-01T11:00:00+08:00", 2, 400m, "V-3", 400m),
            Record("R10", "A-1", "330127", "2023-05-01T09:00:00+08:00", "2023-05-01T12:00:00+08:00", 3, 50m),
            Record("R11", "A-1", "330127", "2026-02-01T09:00:00+08:00", "2026-02-01T11:00:00+08:00", 2, 100m));
        await s.PushAsync(s.WriterB, "service-records",
            Record("R3", "B-1", "330127", "2025-06-01T10:00:00+08:00", "2025-06-01T14:00:00+08:00", 4, 1000m, "V-2", 800m),
            Record("R6", "B-1", null, "2025-05-02T10:00:00+08:00", "2025-05-02T12:00:00+08:00", 2, 70m),
            Record("R9", "B-1", "331181", "2024-08-01T10:00:00+08:00", "2024-08-01T16:00:00+08:00", 6, 600m));
        return s;
    }

    /// <summary>records, hours, income, vouchers, voucher amount of one period.</summary>
    private static void Figures(JsonNode? figures, int records, double hours, decimal income, int vouchers, decimal amount, string where)
    {
        Assert.True(records == figures!["records"]!.GetValue<int>(), $"{where}: records {figures["records"]}");
        Assert.True(Math.Abs(hours - figures["hours"]!.GetValue<double>()) < 1e-9, $"{where}: hours {figures["hours"]}");
        Assert.True(income == figures["incomeCny"]!.GetValue<decimal>(), $"{where}: income {figures["incomeCny"]}");
        Assert.True(vouchers == figures["voucherServices"]!.GetValue<int>(), $"{where}: vouchers {figures["voucherServices"]}");
        Assert.True(amount == figures["voucherAmountCny"]!.GetValue<decimal>(), $"{where}: voucher amount {figures["voucherAmountCny"]}");
    }

    private static double?[] Growth(JsonNode? growth) =>
        new[] { "records", "hours", "incomeCny", "voucherServices", "voucherAmountCny" }.Select(k => growth![k]?.GetValue<double>()).ToArray();

    [Fact]
    public async Task Service_to_the_26_counties_by_unit_with_the_change_on_the_year_before_worked_by_hand()
    {
        await using var s = await FixtureAsync(provider);
        var report = await s.Admin.GetJsonAsync("/api/v1/reports/counties/2025");
        Assert.Equal(("2025-01-01", "2025-12-31", "2024-01-01", "2024-12-31"), (report["from"]!.GetValue<string>(), report["to"]!.GetValue<string>(),
            report["previousFrom"]!.GetValue<string>(), report["previousTo"]!.GetValue<string>()));
        Assert.NotEmpty(report["rules"]!.AsArray());
        Assert.Equal("2026-03-01T02:00:00Z", report["computedAt"]!.GetValue<string>());

        // By county and unit (R5 in 西湖区, R6 without a county and R10 in 2023 count nowhere):
        // 淳安 A: 2025 R1 + R2 = 2 records, 5 h, 500.50, 1 voucher 150.25; 2024 R7 + R8 = 2, 3 h, 500.00, 1 voucher 400.00.
        // 淳安 B: 2025 R3 = 1, 4 h, 1,000.00, 1 voucher 800.00; 2024 none.
        // 龙泉 A: 2025 R4 = 1, 1.5 h, 150.00; 2024 none.  龙泉 B: 2025 none; 2024 R9 = 1, 6 h, 600.00.
        var lines = report["value"]!.AsArray().Select(l => l!.AsObject()).ToList();
        Assert.Equal([("330127", SupervisionNode.UnitA), ("330127", SupervisionNode.UnitB), ("331181", SupervisionNode.UnitA), ("331181", SupervisionNode.UnitB)],
            lines.Select(l => (l["countyCode"]!.GetValue<string>(), l["unitId"]!.GetValue<string>())));
        Assert.Equal(("淳安县", "杭州市", "浙江大学"), (lines[0]["countyName"]!.GetValue<string>(), lines[0]["cityName"]!.GetValue<string>(), lines[0]["unitName"]!.GetValue<string>()));
        Figures(lines[0]["current"], 2, 5, 500.50m, 1, 150.25m, "淳安 A 2025");
        Figures(lines[0]["previous"], 2, 3, 500.00m, 1, 400.00m, "淳安 A 2024");
        Figures(lines[0]["change"], 0, 2, 0.50m, 0, -249.75m, "淳安 A change");
        // 0 ÷ 2; 2 ÷ 3; 0.50 ÷ 500; 0 ÷ 1; −249.75 ÷ 400 = −0.624375.
        Assert.Equal([0, 0.6667, 0.001, 0, -0.6244], Growth(lines[0]["growth"]));
        Figures(lines[1]["current"], 1, 4, 1000m, 1, 800m, "淳安 B 2025");
        Figures(lines[1]["previous"], 0, 0, 0m, 0, 0m, "淳安 B 2024");
        Assert.Equal([null, null, null, null, null], Growth(lines[1]["growth"])); // nothing a year before: no growth, no division by zero
        Figures(lines[2]["current"], 1, 1.5, 150m, 0, 0m, "龙泉 A 2025");
        Figures(lines[3]["current"], 0, 0, 0m, 0, 0m, "龙泉 B 2025");
        Figures(lines[3]["change"], -1, -6, -600m, 0, 0m, "龙泉 B change");
        Assert.Equal([-1, -1, -1, null, null], Growth(lines[3]["growth"]));

        // Every one of the 26 counties, in code order; those not served are zero.
        var counties = report["counties"]!.AsArray().Select(c => c!.AsObject()).ToList();
        Assert.Equal(26, counties.Count);
        Assert.Equal(counties.Select(c => c["countyCode"]!.GetValue<string>()).Order(StringComparer.Ordinal), counties.Select(c => c["countyCode"]!.GetValue<string>()));
        Assert.All(counties, c => Assert.Null(c["unitId"]));
        var chunan = counties.Single(c => c["countyCode"]!.GetValue<string>() == "330127");
        Figures(chunan["current"], 3, 9, 1500.50m, 2, 950.25m, "淳安 2025");
        Figures(chunan["previous"], 2, 3, 500m, 1, 400m, "淳安 2024");
        var longquan = counties.Single(c => c["countyCode"]!.GetValue<string>() == "331181");
        Figures(longquan["current"], 1, 1.5, 150m, 0, 0m, "龙泉 2025");
        Assert.Equal([0, -0.75, -0.75, null, null], Growth(longquan["growth"])); // 1.5 vs 6 h, 150 vs 600
        Assert.All(counties.Where(c => c["countyCode"]!.GetValue<string>() is not ("330127" or "331181")), c => Figures(c["current"], 0, 0, 0m, 0, 0m, "unserved"));

        // Total: 4 records, 10.5 h, 1,650.50, 2 vouchers 950.25 against 3, 9 h, 1,100.00, 1 voucher 400.00.
        Figures(report["total"]!["current"], 4, 10.5, 1650.50m, 2, 950.25m, "total 2025");
        Figures(report["total"]!["previous"], 3, 9, 1100m, 1, 400m, "total 2024");
        // 1 ÷ 3; 1.5 ÷ 9; 550.50 ÷ 1,100 = 0.50045; 1 ÷ 1; 550.25 ÷ 400 = 1.375625.
        Assert.Equal([0.3333, 0.1667, 0.5005, 1, 1.3756], Growth(report["total"]!["growth"]));

        await ReportCsvAssert.SameAsJsonAsync(s.Admin, "/api/v1/reports/counties/2025", "counties");
    }

    [Fact]
    public async Task Generated_records_summed_per_county_and_unit_as_the_test_sums_them()
    {
        await using var s = await SupervisionNode.StartAsync(provider, ReviewFixture.Beijing(2026, 3, 1, 10));
        await s.PushAsync(s.WriterA, "instruments", SupervisionNode.Instrument("A-1", "2022-01-10"));
        await s.PushAsync(s.WriterB, "instruments", SupervisionNode.Instrument("B-1", "2022-01-10"));
        var random = new Random(26);
        // Three mountain counties, one that is not, and none; days from 2023 to 2025; quarter hours; fees and vouchers in fen.
        string?[] regions = ["330127", "331181", "330825", "330106", null];
        var generated = Enumerable.Range(0, 60).Select(n =>
        {
            var day = new DateOnly(2023, 1, 1).AddDays(random.Next(3 * 365));
            var fee = random.Next(100, 500_000) / 100m;
            var voucher = random.Next(3) == 0;
            return (Unit: random.Next(2) == 0 ? "A" : "B", Region: regions[random.Next(regions.Length)], Day: day, Hours: random.Next(1, 33) / 4.0,
                Fee: fee, Voucher: voucher ? $"V-{n}" : null, Amount: voucher ? Math.Round(fee * random.Next(1, 101) / 100m, 2) : 0m, Id: $"G{n}");
        }).ToList();
        foreach (var unit in new[] { "A", "B" })
        {
            await s.PushAsync(unit == "A" ? s.WriterA : s.WriterB, "service-records", generated.Where(g => g.Unit == unit).Select(g =>
                Record(g.Id, $"{unit}-1", g.Region, $"{g.Day:yyyy-MM-dd}T09:00:00+08:00", $"{g.Day:yyyy-MM-dd}T{9 + (int)Math.Ceiling(g.Hours):00}:00:00+08:00",
                    g.Hours, g.Fee, g.Voucher, g.Amount)).ToArray());
        }

        var report = await s.Admin.GetJsonAsync("/api/v1/reports/counties/2025");
        string[] mountain = ["330127", "331181", "330825"];
        var expected = generated.Where(g => g.Region is not null && mountain.Contains(g.Region) && g.Day.Year is 2024 or 2025)
            .GroupBy(g => (County: g.Region!, UnitId: g.Unit == "A" ? SupervisionNode.UnitA : SupervisionNode.UnitB))
            .OrderBy(g => g.Key.County, StringComparer.Ordinal).ThenBy(g => g.Key.UnitId, StringComparer.Ordinal).ToList();
        var lines = report["value"]!.AsArray();
        Assert.Equal(expected.Select(e => (e.Key.County, e.Key.UnitId)), lines.Select(l => (l!["countyCode"]!.GetValue<string>(), l["unitId"]!.GetValue<string>())));
        void Check(JsonNode? figures, IEnumerable<(string Unit, string? Region, DateOnly Day, double Hours, decimal Fee, string? Voucher, decimal Amount, string Id)> of, string where)
        {
            var list = of.ToList();
            Figures(figures, list.Count, list.Sum(g => g.Hours), list.Sum(g => g.Fee), list.Count(g => g.Voucher is not null), list.Sum(g => g.Amount), where);
        }
        foreach (var (e, line) in expected.Zip(lines))
        {
            Check(line!["current"], e.Where(g => g.Day.Year == 2025), $"{e.Key} 2025");
            Check(line["previous"], e.Where(g => g.Day.Year == 2024), $"{e.Key} 2024");
        }
        var all = expected.SelectMany(e => e).ToList();
        Check(report["total"]!["current"], all.Where(g => g.Day.Year == 2025), "total 2025");
        Check(report["total"]!["previous"], all.Where(g => g.Day.Year == 2024), "total 2024");
        await ReportCsvAssert.SameAsJsonAsync(s.Admin, "/api/v1/reports/counties/2025", "counties");
    }

    [Fact]
    public async Task The_current_year_is_compared_with_the_same_dates_a_year_before_and_bad_years_are_400()
    {
        await using var s = await FixtureAsync(provider);
        // Today is 1 March 2026: 2026 so far (R11: 2 h, 100.00) against 1 January – 1 March 2025 (R2 only; R1 is on 10 March).
        var report = await s.Admin.GetJsonAsync("/api/v1/reports/counties/2026");
        Assert.Equal(("2026-01-01", "2026-03-01", "2025-01-01", "2025-03-01"), (report["from"]!.GetValue<string>(), report["to"]!.GetValue<string>(),
            report["previousFrom"]!.GetValue<string>(), report["previousTo"]!.GetValue<string>()));
        var line = Assert.Single(report["value"]!.AsArray())!;
        Figures(line["current"], 1, 2, 100m, 0, 0m, "淳安 A 2026");
        Figures(line["previous"], 1, 2, 200.50m, 1, 150.25m, "淳安 A early 2025");
        await ReportCsvAssert.SameAsJsonAsync(s.Admin, "/api/v1/reports/counties/2026", "counties", byAccept: true);

        // No records at all in 2001 and 2000: zeros, no growth.
        var empty = await s.Admin.GetJsonAsync("/api/v1/reports/counties/2001");
        Assert.Empty(empty["value"]!.AsArray());
        Figures(empty["total"]!["current"], 0, 0, 0m, 0, 0m, "2001");
        Assert.Equal([null, null, null, null, null], Growth(empty["total"]!["growth"]));

        foreach (var year in new[] { "1999", "2027", "abc", "20251", "-2025" })
        {
            var problem = await SupervisionNode.Ok(await s.Admin.GetAsync($"/api/v1/reports/counties/{year}"), HttpStatusCode.BadRequest);
            Assert.NotNull(problem["errors"]!["year"]);
        }
        await SupervisionNode.Ok(await s.ReaderA.GetAsync("/api/v1/reports/counties/2025"), HttpStatusCode.Forbidden);
        await SupervisionNode.Ok(await s.Node.CreateClient().GetAsync("/api/v1/reports/counties/2025"), HttpStatusCode.Unauthorized);
    }
}

public sealed class SqliteCountiesReportTests() : CountiesReportTests(DatabaseProvider.Sqlite);

public sealed class PostgreSqlCountiesReportTests() : CountiesReportTests(DatabaseProvider.PostgreSql);
