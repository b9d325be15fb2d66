using System.Net;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Supervision;

namespace DxyqOpenData.Tests.Reports;

/// <summary>
/// GET /api/v1/reports/rewards/{year} over HTTP with real tokens on <see cref="RewardsFixture"/>: unit A's figures worked
/// out by hand in fen, unit C's generated ones recomputed here (10% of each fee rounded down, capped at 20,000, the sum cut
/// to 1,000,000); the contract-project flag through push, import and OData <c>$filter</c>; the rules file edited and broken.
/// </summary>
public abstract class RewardsTests(DatabaseProvider provider)
{
    [Fact]
    public async Task The_2025_rewards_worked_by_hand_with_both_caps_and_every_exclusion()
    {
        var rulesFile = Path.Combine(Path.GetTempPath(), $"dxyq-rewards-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(rulesFile, """{ "incomeShare": 0.1, "perInstrumentCapCny": 20000, "perUnitCapCny": 1000000 }""");
        try
        {
            var f = await RewardsFixture.StartAsync(provider, new Dictionary<string, string?> { ["Reports:RewardRulesFile"] = rulesFile });
            await using var s = f.Node;
            var report = await s.Admin.GetJsonAsync("/api/v1/reports/rewards/2025");
            Assert.Equal(("2025-01-01", "2025-12-31"), (report["from"]!.GetValue<string>(), report["to"]!.GetValue<string>()));
            Assert.Equal((0.1m, 20_000m, 1_000_000m), (report["rules"]!["incomeShare"]!.Decimal(), report["rules"]!["perInstrumentCapCny"]!.Decimal(),
                report["rules"]!["perUnitCapCny"]!.Decimal()));
            Assert.Equal(s.Clock.Now, DateTimeOffset.Parse(report["computedAt"]!.ToString()));
            var units = report["value"]!.AsArray().Select(u => u!.AsObject()).ToDictionary(u => u["unitId"]!.GetValue<string>());
            Assert.Equal([SupervisionNode.UnitA, RewardsFixture.UnitC], report["value"]!.AsArray().Select(u => u!["unitId"]!.GetValue<string>())); // by credit code

            // A-1 in 2025 (Beijing): eligible a01 30,000 + a02 12,345.67 + a03 700 + a04 300.01 + i02 1,111.11 = 44,456.79;
            // 10% = 4,445.679, rounded down to 4,445.67. Left out: internal a07 5,000 + a11 600 (contract too, internal first);
            // statutory a08 8,000 + a10 1,000 (contract too, statutory first); contract a09 9,000 + imported i01 2,000.
            // a05 and a12 are 2026's, a06 2024's.
            var a = units[SupervisionNode.UnitA];
            var lines = Instruments(report, SupervisionNode.UnitA);
            var a1 = lines["A-1"];
            Assert.Equal((11, 5), (a1["records"]!.GetValue<int>(), a1["eligibleRecords"]!.GetValue<int>()));
            Assert.Equal(44_456.79m, a1["eligibleIncomeCny"]!.Decimal());
            Assert.Equal((5_600.00m, 9_000.00m, 11_000.00m), Excluded(a1));
            Assert.Equal((4_445.67m, false), (a1["rewardCny"]!.Decimal(), a1["capped"]!.GetValue<bool>()));
            // 10% of 250,000 is 25,000, over the cap; A-3: 10% of 200,000 is the cap exactly.
            Assert.Equal((25_000m, 20_000m, true), (lines["A-2"]["shareOfIncomeCny"]!.Decimal(), lines["A-2"]["rewardCny"]!.Decimal(), lines["A-2"]["capped"]!.GetValue<bool>()));
            Assert.Equal((20_000m, 20_000m, false), (lines["A-3"]["shareOfIncomeCny"]!.Decimal(), lines["A-3"]["rewardCny"]!.Decimal(), lines["A-3"]["capped"]!.GetValue<bool>()));
            // Unit A: 4,445.67 + 20,000 + 20,000 = 44,445.67, under the unit cap.
            Assert.Equal(494_456.79m, a["eligibleIncomeCny"]!.Decimal());
            Assert.Equal((5_600.00m, 9_000.00m, 11_000.00m), Excluded(a));
            Assert.Equal((44_445.67m, 1_000_000m, 0m, 44_445.67m), UnitFigures(a));

            // Unit C: each instrument min(floor(fee fen / 10), 2,000,000 fen); the sum over 100,000,000 fen is cut to it.
            var c = units[RewardsFixture.UnitC];
            var cLines = Instruments(report, RewardsFixture.UnitC);
            Assert.Equal(f.CFees.Length, cLines.Count);
            var expected = f.CFees.Select(fen => Math.Min(fen / 10, 2_000_000)).ToArray();
            for (var i = 0; i < f.CFees.Length; i++)
            {
                var line = cLines[$"C-{i:D2}"];
                Assert.Equal(f.CFees[i] / 100m, line["eligibleIncomeCny"]!.Decimal());
                Assert.Equal(expected[i] / 100m, line["rewardCny"]!.Decimal());
                Assert.Equal(f.CFees[i] >= 20_000_010, line["capped"]!.GetValue<bool>());
            }
            var before = expected.Sum();
            Assert.True(before > 100_000_000 && expected.Any(r => r < 2_000_000) && expected.Any(r => r == 2_000_000), $"the fixture should cross both caps: {before}");
            Assert.Equal((before / 100m, 1_000_000m, (before - 100_000_000) / 100m, 1_000_000m), UnitFigures(c));
            Assert.Equal(1_044_445.67m, report["rewardCny"]!.Decimal());
            Assert.Equal((before - 100_000_000) / 100m, report["cutCny"]!.Decimal());

            // 2026 so far: a05 (50,000: 5,000); a12 has not ended yet.
            var now = await s.Admin.GetJsonAsync("/api/v1/reports/rewards/2026");
            Assert.Equal("2026-04-02", now["to"]!.GetValue<string>());
            Assert.Single(now["value"]!.AsArray());
            var a2026 = Assert.Single(now["instruments"]!.AsArray())!;
            Assert.Equal(("A-1", 1, 50_000m, 5_000m), (a2026["innerId"]!.GetValue<string>(), a2026["records"]!.GetValue<int>(),
                a2026["eligibleIncomeCny"]!.Decimal(), a2026["rewardCny"]!.Decimal()));

            // The CSV: the units, then their instruments, cell for cell the JSON (read by an independent parser).
            var csv = await ReportCsvAssert.SameAsJsonAsync(s.Admin, "/api/v1/reports/rewards/2025", "rewards");
            var header = csv[0].ToList();
            string Of(string[] row, string column) => row[header.IndexOf(column)];
            Assert.Equal(["单位汇总", "单位汇总"], csv.Skip(1).Take(2).Select(r => r[0]));
            Assert.Equal(("44445.67", "0.00"), (Of(csv[1], "奖励金额（元）"), Of(csv[1], "封顶核减（元）")));
            Assert.Equal(("1000000.00", ((before - 100_000_000) / 100m).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)),
                (Of(csv[2], "奖励金额（元）"), Of(csv[2], "封顶核减（元）")));
            var a1Row = csv.Single(r => r[0] == "仪器明细" && Of(r, "仪器内部编号") == "A-1");
            Assert.Equal(("44456.79", "11000.00", "4445.67"), (Of(a1Row, "可计奖服务收入（元）"), Of(a1Row, "不计奖收入：已纳入横向项目奖励（元）"), Of(a1Row, "奖励金额（元）")));
            Assert.Equal(3 + f.CFees.Length, csv.Count(r => r[0] == "仪器明细"));
            await ReportCsvAssert.SameAsJsonAsync(s.Admin, "/api/v1/reports/rewards/2026", "rewards", byAccept: true);

            // The administrators' edit counts from the next report: 5%, 1,000 per instrument, 1,500 per unit.
            await File.WriteAllTextAsync(rulesFile, """{ "incomeShare": 0.05, "perInstrumentCapCny": 1000, "perUnitCapCny": 1500 }""");
            var edited = (await s.Admin.GetJsonAsync("/api/v1/reports/rewards/2025"))["value"]!.AsArray().Single(u => u!["unitId"]!.GetValue<string>() == SupervisionNode.UnitA)!;
            // 5% of 44,456.79 = 2,222.8395 → 2,222.83 → capped 1,000; 1,000: 3,000 cut to 1,500.
            Assert.Equal((3_000m, 1_500m, 1_500m, 1_500m), UnitFigures(edited.AsObject()));

            await File.WriteAllTextAsync(rulesFile, """{ "incomeShare": 0.12345, "perInstrumentCapCny": 1000, "perUnitCapCny": 1500 }""");
            var broken = await SupervisionNode.Ok(await s.Admin.GetAsync("/api/v1/reports/rewards/2025"), HttpStatusCode.ServiceUnavailable);
            Assert.Contains("incomeShare", broken["detail"]!.GetValue<string>());
        }
        finally
        {
            File.Delete(rulesFile);
        }
    }

    [Fact]
    public async Task The_contract_flag_goes_through_push_and_import_and_filters_over_odata()
    {
        var f = await RewardsFixture.StartAsync(provider);
        await using var s = f.Node;
        var flagged = await s.ReaderA.GetJsonAsync("/odata/ServiceRecords?$filter=rewardedAsContract eq true&$orderby=externalId&$select=externalId,rewardedAsContract");
        Assert.Equal(["a09", "a10", "a11", "i01"], flagged.Values().Select(v => v!["externalId"]!.GetValue<string>()));
        Assert.All(flagged.Values(), v => Assert.True(v!["rewardedAsContract"]!.GetValue<bool>()));
        var unflagged = await s.ReaderA.GetJsonAsync("/odata/ServiceRecords?$filter=rewardedAsContract eq false and startswith(externalId,'i')&$select=externalId");
        Assert.Equal(["i02"], unflagged.Values().Select(v => v!["externalId"]!.GetValue<string>()));

        // A push that leaves the field out sets it back to false (the schema's default), like isStatutory.
        var again = await SupervisionNode.Ok(await s.WriterA.PostAsync("/api/v1/push/service-records", SupervisionNode.Json(new JsonArray(
            AlertSweepTests.Record("a09", "A-1", "2025-04-03T09:00:00+08:00", "2025-04-03T10:00:00+08:00", 1)))));
        Assert.Equal(1, again["updated"]!.GetValue<int>());
        var a09 = await s.ReaderA.GetJsonAsync("/odata/ServiceRecords?$filter=externalId eq 'a09'&$select=rewardedAsContract");
        Assert.False(a09.Values().Single()!["rewardedAsContract"]!.GetValue<bool>());

        // The schema refuses anything but a boolean.
        var bad = AlertSweepTests.Record("a99", "A-1", "2025-04-03T09:00:00+08:00", "2025-04-03T10:00:00+08:00", 1);
        bad["rewardedAsContract"] = "yes";
        var refused = await SupervisionNode.Ok(await s.WriterA.PostAsync("/api/v1/push/service-records", SupervisionNode.Json(new JsonArray(bad))),
            HttpStatusCode.UnprocessableEntity);
        Assert.Contains("/0/rewardedAsContract", refused.ToJsonString());
    }

    [Fact]
    public async Task Bad_years_are_400_only_administrators_read_it_and_the_shipped_rules_are_the_sources()
    {
        await using var s = await SupervisionNode.StartAsync(provider, ReviewFixture.Beijing(2026, 4, 2, 10));
        foreach (var year in new[] { "1999", "2027", "20x5", "-2025", "２０２５" })
        {
            var problem = await SupervisionNode.Ok(await s.Admin.GetAsync($"/api/v1/reports/rewards/{year}"), HttpStatusCode.BadRequest);
            Assert.NotNull(problem["errors"]!["year"]);
        }
        var empty = await s.Admin.GetJsonAsync("/api/v1/reports/rewards/2025");
        Assert.Empty(empty["value"]!.AsArray());
        Assert.Equal((0.1m, 20_000m, 1_000_000m), (empty["rules"]!["incomeShare"]!.Decimal(), empty["rules"]!["perInstrumentCapCny"]!.Decimal(),
            empty["rules"]!["perUnitCapCny"]!.Decimal()));
        await SupervisionNode.Ok(await s.ReaderA.GetAsync("/api/v1/reports/rewards/2025"), HttpStatusCode.Forbidden);
        await SupervisionNode.Ok(await s.Node.CreateClient().GetAsync("/api/v1/reports/rewards/2025"), HttpStatusCode.Unauthorized);
    }

    private static Dictionary<string, JsonObject> Instruments(JsonObject report, string unit) =>
        report["instruments"]!.AsArray().Select(i => i!.AsObject()).Where(i => i["unitId"]!.GetValue<string>() == unit)
            .ToDictionary(i => i["innerId"]!.GetValue<string>());

    private static (decimal Internal, decimal Statutory, decimal Contract) Excluded(JsonObject line) =>
        (line["excludedIncome"]!["internalCny"]!.Decimal(), line["excludedIncome"]!["statutoryCny"]!.Decimal(),
            line["excludedIncome"]!["rewardedAsContractCny"]!.Decimal());

    private static (decimal Before, decimal Cap, decimal Cut, decimal Reward) UnitFigures(JsonObject unit) =>
        (unit["rewardBeforeCapCny"]!.Decimal(), unit["capCny"]!.Decimal(), unit["cutCny"]!.Decimal(), unit["rewardCny"]!.Decimal());
}

public sealed class SqliteRewardsTests() : RewardsTests(DatabaseProvider.Sqlite);

public sealed class PostgreSqlRewardsTests() : RewardsTests(DatabaseProvider.PostgreSql);
