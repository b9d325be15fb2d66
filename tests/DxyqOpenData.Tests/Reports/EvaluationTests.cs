using System.Net;
using DxyqOpenData.Api.Data.Reference;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Api.Units;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Supervision;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DxyqOpenData.Tests.Reports;

/// <summary>
/// GET /api/v1/reports/evaluation/{year} over HTTP with real tokens: the 2025 figures of <see cref="ReviewFixture"/>
/// worked out by hand; generated sets of units whose scores the test sets through a rules file of its own (only
/// service-information completeness weighs, so a unit with j of 4 instruments complete scores 25 j), checked against
/// the excellent rule stated independently: excellent when scoring at least the good band and no more units than
/// floor(15% × evaluated) score as much or more; and the rules file read again after an edit.
/// </summary>
public abstract class EvaluationTests(DatabaseProvider provider)
{
    [Fact]
    public async Task The_2025_evaluation_of_the_review_fixture_worked_by_hand()
    {
        await using var s = await ReviewFixture.StartAsync(provider);
        var report = await s.Admin.GetJsonAsync("/api/v1/reports/evaluation/2025");
        Assert.Equal("2025-01-01", report["from"]!.GetValue<string>());
        Assert.Equal("2025-12-31", report["to"]!.GetValue<string>());
        Assert.Equal(3, report["evaluated"]!.GetValue<int>());
        Assert.Equal(0, report["excellentAllowed"]!.GetValue<int>()); // floor(3 × 15%)
        Assert.Equal(20, report["rules"]!["weights"]!["usageRate"]!.GetValue<double>());
        var units = report["value"]!.AsArray().Select(u => u!.AsObject()).ToList();
        Assert.Equal([SupervisionNode.UnitB, SupervisionNode.UnitA, ReviewFixture.UnitC], units.Select(u => u["unitId"]!.GetValue<string>()));

        // Each instrument onboarded 1 April 2025, rated 100 h a year: 275 days in 2025, 75.3425 h. No sensor, no complete
        // service information, none late (on time: 1), no alert open at the end of 2025 (answered: 1), no ratings, no vouchers.
        // B: 6 h external of 75.3425: usage 0.0796 (÷ 0.5 target = 0.1592), sharing 1 (full), external hours per instrument
        //    6, the most (1). Score 10 + 20 × 0.1592 + 20 + 10 + 5 = 48.18: pass.
        // A: 4 h internal of 3 × 75.3425: usage 0.0177 (0.0354), sharing 0. Score 10 + 20 × 0.0354 + 5 = 15.71: poor.
        // C: nothing in 2025. Score 10 + 5 = 15: poor.
        var b = units[0];
        Assert.Equal(1, b["rank"]!.GetValue<int>());
        Assert.Equal(6, b["externalHours"]!.GetValue<double>(), 2);
        Assert.Equal(75.34, b["ratedHours"]!.GetValue<double>(), 2);
        Assert.Equal(0.1592, b["indicators"]!["usageRate"]!.GetValue<double>(), 4);
        Assert.Equal(1, b["indicators"]!["sharingRate"]!.GetValue<double>());
        Assert.Equal(48.18, b["score"]!.GetValue<double>(), 2);
        Assert.Equal("pass", b["band"]!.GetValue<string>());
        Assert.Null(b["insuranceSubsidyRate"]); // an enterprise

        var a = units[1];
        Assert.Equal((2, 3, 0, 0), (a["rank"]!.GetValue<int>(), a["instruments"]!.GetValue<int>(), a["lateOnboardings"]!.GetValue<int>(), a["withSensor"]!.GetValue<int>()));
        Assert.Equal(15.71, a["score"]!.GetValue<double>(), 2);
        Assert.Equal("poor", a["band"]!.GetValue<string>());
        Assert.True(a["provincial"]!.GetValue<bool>()); // registered with provinceOwned: true
        Assert.Equal(0, a["insuranceSubsidyRate"]!.GetValue<double>());
        // Its general classes in 2025: 030122 shared 0 of 4 h; 020301 unused (no rate).
        Assert.Equal(["020301", "030122"], a["notToBeBoughtAgain"]!.AsArray().Select(c => c!.GetValue<string>()));

        var c = units[2];
        Assert.Equal((3, 15.0, "poor"), (c["rank"]!.GetValue<int>(), c["score"]!.GetValue<double>(), c["band"]!.GetValue<string>()));
        Assert.False(c["provincial"]!.GetValue<bool>()); // an institute registered without provinceOwned
        Assert.Null(c["insuranceSubsidyRate"]);
        Assert.Equal(["030122"], c["notToBeBoughtAgain"]!.AsArray().Select(x => x!.GetValue<string>()));
    }

    [Fact]
    public async Task At_most_15_percent_excellent_with_ties_at_the_cut_left_out_over_generated_sets_of_units()
    {
        var rulesFile = Path.Combine(Path.GetTempPath(), $"dxyq-evaluation-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(rulesFile, Rules("\"serviceInfoComplete\": 1"));
        try
        {
            await using var s = await SupervisionNode.StartAsync(provider, ReviewFixture.Beijing(2026, 4, 2, 10),
                settings: new Dictionary<string, string?> { ["Reports:EvaluationRulesFile"] = rulesFile });
            var random = new Random(17);
            // 7 and 20 do not divide by 100/15; 14 with a tie at the cut; then random sizes and scores.
            var cases = new List<int[]> { new[] { 4, 3, 3, 2, 1, 0, 0 }, new[] { 4, 4, 3, 3, 2, 2, 1, 1, 0, 0, 4, 3, 2, 1 }, Enumerable.Range(0, 20).Select(i => i % 5).ToArray() };
            cases.AddRange(Enumerable.Range(0, 6).Select(_ => Enumerable.Range(0, random.Next(1, 16)).Select(_ => random.Next(0, 5)).ToArray()));
            for (var n = 0; n < cases.Count; n++)
            {
                var complete = cases[n];
                var ids = await UnitsAsync(s, n, complete);
                var report = await s.Admin.GetJsonAsync("/api/v1/reports/evaluation/2025");
                var units = report["value"]!.AsArray().Select(u => u!.AsObject()).ToDictionary(u => u["unitId"]!.GetValue<string>());
                Assert.Equal(complete.Length, units.Count);
                var allowed = complete.Length * 15 / 100;
                Assert.Equal(allowed, report["excellentAllowed"]!.GetValue<int>());
                for (var u = 0; u < complete.Length; u++)
                {
                    var line = units[ids[u]];
                    var score = 25.0 * complete[u];
                    var asGood = complete.Count(j => j >= complete[u]);
                    var band = score >= 50 && asGood <= allowed ? "excellent" : score >= 50 ? "good" : score >= 25 ? "pass" : "poor";
                    var context = $"case {n} [{string.Join(",", complete)}], unit {u}";
                    Assert.True(score == line["score"]!.GetValue<double>(), context);
                    Assert.True(band == line["band"]!.GetValue<string>(), $"{context}: {band} expected, {line["band"]}");
                    Assert.True(1 + complete.Count(j => j > complete[u]) == line["rank"]!.GetValue<int>(), context);
                    double? subsidy = u % 3 != 0 && u % 2 == 0 ? band switch { "excellent" => 0.8, "good" => 0.5, _ => 0 } : null;
                    Assert.True(subsidy == line["insuranceSubsidyRate"]?.GetValue<double>(), $"{context}: subsidy {subsidy} expected, {line["insuranceSubsidyRate"]}");
                }
                Assert.True(units.Values.Count(u => u["band"]!.GetValue<string>() == "excellent") <= allowed);
            }

            // The administrators' edit counts from the next report: now only on-time onboarding weighs, every unit scores
            // 100, and the tie at the cut leaves every one of them good.
            await File.WriteAllTextAsync(rulesFile, Rules("\"onboardedOnTime\": 1"));
            var edited = await s.Admin.GetJsonAsync("/api/v1/reports/evaluation/2025");
            Assert.All(edited["value"]!.AsArray(), u => Assert.Equal((100.0, "good", 1), (u!["score"]!.GetValue<double>(), u["band"]!.GetValue<string>(), u["rank"]!.GetValue<int>())));

            await File.WriteAllTextAsync(rulesFile, Rules("\"noSuchIndicator\": 1"));
            var broken = await SupervisionNode.Ok(await s.Admin.GetAsync("/api/v1/reports/evaluation/2025"), HttpStatusCode.ServiceUnavailable);
            Assert.Contains("noSuchIndicator", broken["detail"]!.GetValue<string>());
        }
        finally
        {
            File.Delete(rulesFile);
        }
    }

    [Fact]
    public async Task Bad_years_are_400_and_only_administrators_read_it()
    {
        await using var s = await SupervisionNode.StartAsync(provider, ReviewFixture.Beijing(2026, 4, 2, 10));
        foreach (var year in new[] { "1999", "2027", "20x5", "-2025" })
        {
            var problem = await SupervisionNode.Ok(await s.Admin.GetAsync($"/api/v1/reports/evaluation/{year}"), HttpStatusCode.BadRequest);
            Assert.NotNull(problem["errors"]!["year"]);
        }
        Assert.Empty((await s.Admin.GetJsonAsync("/api/v1/reports/evaluation/2026"))["value"]!.AsArray());
        await SupervisionNode.Ok(await s.ReaderA.GetAsync("/api/v1/reports/evaluation/2025"), HttpStatusCode.Forbidden);
        await SupervisionNode.Ok(await s.Node.CreateClient().GetAsync("/api/v1/reports/evaluation/2025"), HttpStatusCode.Unauthorized);
    }

    private static string Rules(string weights) => $$"""
        { "weights": { {{weights}} }, "usageRateTarget": 0.5, "sharingRateTarget": 0.3, "excellentShare": 0.15,
          "bands": { "good": 50, "pass": 25 }, "poorlySharedClassRate": 0.1, "insuranceSubsidy": { "excellent": 0.8, "good": 0.5 } }
        """;

    /// <summary>
    /// Replaces the evaluated units by one per entry, each with 4 instruments onboarded on time in 2025 of which the entry's
    /// number have complete service information. Unit u is a university when u is even (else an enterprise), and
    /// provincially owned (provinceOwned) unless u is a multiple of 3. The credit codes say the opposite (registered by the
    /// province, 12 330000 …, exactly when u is a multiple of 3): the subsidy follows the registered field, not the code.
    /// </summary>
    private static async Task<List<string>> UnitsAsync(SupervisionNode s, int run, int[] complete)
    {
        await using var scope = s.Node.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
        await db.Instruments.IgnoreQueryFilters().ExecuteDeleteAsync();
        var ids = new List<string>();
        var onboarded = ReviewFixture.Beijing(2025, 3, 3, 10).UtcDateTime;
        for (var u = 0; u < complete.Length; u++)
        {
            var id = CreditCode.Create("12", u % 3 == 0 ? "330000" : "330100", $"{run:D4}{u:D4}");
            ids.Add(id);
            db.Units.Add(new Unit
            {
                Id = id, Name = $"单位{run}-{u}", Type = u % 2 == 0 ? UnitType.University : UnitType.Enterprise, RegionCode = "330106", CityCode = "330100",
                ProvinceOwned = u % 3 != 0, UpdatedAt = onboarded,
            });
            for (var i = 0; i < 4; i++)
            {
                db.Instruments.Add(new Instrument
                {
                    Id = Guid.NewGuid(), UnitId = id, InnerId = $"I-{i}", Name = "液相色谱仪", CategoryCode = "030122", RegionCode = "330106",
                    PriceCny = 600_000m, AcceptanceDate = new DateOnly(2025, 2, 20), OnboardingDueDate = new DateOnly(2025, 4, 3), OnboardedAt = onboarded,
                    OnboardingLateDays = 0, ServiceInfoCompletedAt = i < complete[u] ? onboarded.AddDays(30) : null, UpdatedAt = onboarded,
                });
            }
        }
        await db.SaveChangesAsync();
        return ids;
    }
}

public sealed class SqliteEvaluationTests() : EvaluationTests(DatabaseProvider.Sqlite);

public sealed class PostgreSqlEvaluationTests() : EvaluationTests(DatabaseProvider.PostgreSql);
