using System.Diagnostics;
using DxyqOpenData.Api.Data.Reference;
using System.Globalization;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Reports;
using DxyqOpenData.Api.Supervision;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Node = DxyqOpenData.Benchmarks.Supervision.SupervisionBenchmark.Node;

namespace DxyqOpenData.Benchmarks.Reports;

/// <summary>
/// Issue 17's targets over the full demo data on SQLite: the evaluation of last year and a purchase review (the busiest
/// unit's most common class), each under 2 s, and the rewards of last year held to the same, printed beside the time of
/// the rates alone (the utilization query for the same period by unit: the floor each report stands on), as a ratio.
/// See README.md.
/// </summary>
public static class ReportsBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var scale = args.Length >= 2 && args[0] == "--scale" ? double.Parse(args[1], CultureInfo.InvariantCulture) : 1.0;
        var file = Path.Combine(Path.GetTempPath(), $"dxyq-reports-bench-{Guid.NewGuid():N}.db");
        try
        {
            var load = Stopwatch.StartNew();
            await using var node = new Node($"Data Source={file}", scale);
            _ = node.Services;
            Console.WriteLine($"# demo data at scale {scale} loaded in {load.Elapsed.TotalSeconds:0.0} s");
            var rules = EvaluationRules.Load(EvaluationRules.DefaultPath);
            var now = DateTime.UtcNow;
            var today = BeijingTime.DateOf(now);
            var year = today.Year - 1;
            var (unit, category) = await BusiestAsync(node);
            Report.Columns();

            var yearRates = await TimeAsync(node, db => UtilizationReport.RunAsync(db, UtilizationGrouping.Unit, new DateOnly(year, 1, 1), new DateOnly(year, 12, 31), null, 1600, now, CancellationToken.None));
            var evaluation = await TimeAsync(node, db => Evaluation.RunAsync(db, rules, year, today, 1600, now, CancellationToken.None));
            Report.Line($"evaluation {year} (ms, median)", $"{evaluation:0}", $"{yearRates:0}", $"{evaluation / yearRates:0.0}x", "< 2000 ms", evaluation < 2000);

            var rewardRules = RewardRules.Load(Path.Combine(AppContext.BaseDirectory, "Data", "Reference", RewardRules.FileName));
            var rewards = await TimeAsync(node, db => Rewards.RunAsync(db, rewardRules, year, today, now, CancellationToken.None));
            Report.Line($"rewards {year} (ms, median)", $"{rewards:0}", $"{yearRates:0}", $"{rewards / yearRates:0.0}x", "< 2000 ms", rewards < 2000);

            var to = today.AddDays(-1);
            var reviewRates = await TimeAsync(node, db => UtilizationReport.RunAsync(db, UtilizationGrouping.Unit, to.AddYears(-1).AddDays(1), to, null, 1600, now, CancellationToken.None));
            var county = Regions.Default.County(unit.RegionCode)!;
            var city = Regions.Default.CityOf(county.Code)!;
            var province = Regions.Default.Provinces.First(p => p.Cities.Contains(city));
            var review = await TimeAsync(node, db => PurchaseReview.RunAsync(db, rules, category, unit.Id, unit.Name, county, city, province, 800_000m, 1600, now, CancellationToken.None));
            Report.Line($"purchase review, class {category} (ms, median)", $"{review:0}", $"{reviewRates:0}", $"{review / reviewRates:0.0}x", "< 2000 ms", review < 2000);
            Console.WriteLine("# baseline: the utilization query alone for the same period, by unit (the rates each report rests on)");
            return evaluation < 2000 && review < 2000 && rewards < 2000 ? 0 : 1;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(file + suffix);
            }
        }
    }

    /// <summary>Median of 3 rounds, each in a scope of its own, after one warm-up.</summary>
    private static async Task<double> TimeAsync<T>(Node node, Func<CatalogDbContext, Task<T>> run)
    {
        var times = new List<double>();
        for (var round = 0; round < 4; round++)
        {
            await using var scope = node.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
            var watch = Stopwatch.StartNew();
            await run(db);
            if (round > 0)
            {
                times.Add(watch.Elapsed.TotalMilliseconds);
            }
        }
        return times.Order().ElementAt(times.Count / 2);
    }

    private static async Task<(Api.Units.Unit Unit, string Category)> BusiestAsync(Node node)
    {
        await using var scope = node.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
        var top = await db.Instruments.GroupBy(i => new { i.UnitId, i.CategoryCode }).OrderByDescending(g => g.Count()).ThenBy(g => g.Key.UnitId)
            .Select(g => g.Key).FirstAsync();
        return (await db.Units.SingleAsync(u => u.Id == top.UnitId), top.CategoryCode);
    }
}
