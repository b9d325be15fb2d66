using System.Diagnostics;
using System.Globalization;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Api.Reports;
using DxyqOpenData.Api.Supervision;
using DxyqOpenData.Api.UsageSessions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DxyqOpenData.Benchmarks.Supervision;

/// <summary>
/// Issue 15's targets over the full demo data on SQLite: the province-wide utilization report for a year by unit
/// (computed in SQL) against the same figures computed by loading the rows into memory, side by side with the ratio;
/// and one full alert sweep (from no alerts, and again with nothing to change). See README.md.
/// </summary>
public static class SupervisionBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var scale = args.Length >= 2 && args[0] == "--scale" ? double.Parse(args[1], CultureInfo.InvariantCulture) : 1.0;
        var rounds = 3;
        var file = Path.Combine(Path.GetTempPath(), $"dxyq-supervision-bench-{Guid.NewGuid():N}.db");
        try
        {
            var load = Stopwatch.StartNew();
            await using var node = new Node($"Data Source={file}", scale);
            _ = node.Services; // starts the host: migrations, demo data, its sweep
            Console.WriteLine($"# demo data at scale {scale} loaded and swept in {load.Elapsed.TotalSeconds:0.0} s");
            Report.Columns();
            var to = BeijingTime.DateOf(DateTime.UtcNow);
            var from = to.AddDays(-364);

            var sqlTimes = new List<double>();
            var memoryTimes = new List<double>();
            var sqlCpu = new List<double>();
            var memoryCpu = new List<double>();
            List<UtilizationRow> sql = [];
            Dictionary<string, (double Effective, double External, double Rated)> memory = [];
            for (var round = 0; round < rounds; round++)
            {
                await using (var scope = node.Services.CreateAsyncScope())
                {
                    var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
                    var (watch, cpu) = (Stopwatch.StartNew(), CpuMs());
                    sql = await UtilizationReport.RunAsync(db, UtilizationGrouping.Unit, from, to, null, 1600, DateTime.UtcNow, CancellationToken.None);
                    sqlTimes.Add(watch.Elapsed.TotalMilliseconds);
                    sqlCpu.Add(CpuMs() - cpu);
                }
                await using (var scope = node.Services.CreateAsyncScope())
                {
                    var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
                    var (watch, cpu) = (Stopwatch.StartNew(), CpuMs());
                    memory = await InMemoryAsync(db, from, to, DateTime.UtcNow);
                    memoryTimes.Add(watch.Elapsed.TotalMilliseconds);
                    memoryCpu.Add(CpuMs() - cpu);
                }
            }
            var same = sql.Count == memory.Count && sql.All(r => memory.TryGetValue(r.Key, out var m)
                && Math.Abs(m.Effective - r.EffectiveHours) < 0.05 && Math.Abs(m.External - r.ExternalHours) < 0.05 && Math.Abs(m.Rated - r.RatedHours) < 0.05);
            Console.WriteLine($"# utilization {from:yyyy-MM-dd}..{to:yyyy-MM-dd} by unit: {sql.Count} units, figures {(same ? "equal" : "DIFFER")} between SQL and in-memory");
            var ours = Median(sqlTimes);
            var baseline = Median(memoryTimes);
            Report.Line("utilization report, a year by unit (ms, median)", $"{ours:0}", $"{baseline:0}", $"{baseline / ours:0.0}x", "< 2000 ms, >= 5x", ours < 2000 && baseline / ours >= 5 && same);
            var (oursCpu, baselineCpu) = (Median(sqlCpu), Median(memoryCpu));
            Report.Line("  the same, CPU time of the process (ms, median)", $"{oursCpu:0}", $"{baselineCpu:0}", $"{baselineCpu / oursCpu:0.0}x");

            await using (var scope = node.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
                await db.Database.ExecuteSqlRawAsync("DELETE FROM alerts");
            }
            var cold = await SweepAsync(node);
            var steady = await SweepAsync(node);
            Report.Line($"alert sweep, from none ({cold.Result.Raised} raised) (ms)", $"{cold.Result.DurationMs:0}", null, null, "< 2000 ms", cold.Result.DurationMs < 2000);
            Report.Line("  the same, CPU time of the process (ms)", $"{cold.CpuMs:0}");
            Report.Line($"alert sweep, nothing to change ({steady.Result.Open} open) (ms)", $"{steady.Result.DurationMs:0}", null, null, "< 2000 ms", steady.Result.DurationMs < 2000);
            Report.Line("  the same, CPU time of the process (ms)", $"{steady.CpuMs:0}");
            return same ? 0 : 1;
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

    private static async Task<(SweepResult Result, double CpuMs)> SweepAsync(Node node)
    {
        await using var scope = node.Services.CreateAsyncScope();
        var cpu = CpuMs();
        var result = await scope.ServiceProvider.GetRequiredService<AlertSweep>().RunAsync(CancellationToken.None);
        return (result, CpuMs() - cpu);
    }

    /// <summary>
    /// CPU time of this process (the node runs in it; SQLite too): unlike wall time it hardly grows when other processes
    /// take the cores, so on a loaded machine it says what the wall time would be with a core to itself.
    /// </summary>
    private static double CpuMs() => Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    /// <summary>The baseline: the same figures, with the rows loaded into memory and summed in C#.</summary>
    private static async Task<Dictionary<string, (double, double, double)>> InMemoryAsync(CatalogDbContext db, DateOnly fromDate, DateOnly toDate, DateTime now)
    {
        var from = BeijingTime.StartOf(fromDate);
        var to = BeijingTime.StartOf(toDate.AddDays(1));
        var instruments = await db.Instruments.IgnoreQueryFilters([Instrument.PublishedFilter]).AsNoTracking()
            .Where(i => i.OnboardedAt != null && !i.IsConfidential).ToListAsync();
        var sessions = await db.UsageSessions.AsNoTracking()
            .Where(s => s.Source == SessionSource.Sensor && s.StartedAt < to && (s.EndedAt == null || s.EndedAt > from)).ToListAsync();
        var records = await db.ServiceRecords.AsNoTracking().Where(r => r.StartedAt < to && r.EndedAt >= from).ToListAsync();
        static double Overlap(DateTime a, DateTime b, DateTime from, DateTime to) => Math.Max(0, ((b < to ? b : to) - (a > from ? a : from)).TotalHours);
        var runs = sessions.GroupBy(s => s.InstrumentId).ToDictionary(g => g.Key, g => g.Sum(s => Overlap(s.StartedAt, s.EndedAt ?? now, from, to)));
        var served = records.GroupBy(r => r.InstrumentId).ToDictionary(g => g.Key, g =>
        {
            double Share(Api.ServiceRecords.ServiceRecord r) => r.EndedAt > r.StartedAt ? r.Hours * Overlap(r.StartedAt, r.EndedAt, from, to) / (r.EndedAt - r.StartedAt).TotalHours : r.Hours;
            return (All: g.Sum(Share), External: g.Where(r => r.IsExternal).Sum(Share));
        });
        var result = new Dictionary<string, (double, double, double)>();
        foreach (var group in instruments.GroupBy(i => i.UnitId.Trim()))
        {
            double effective = 0, external = 0, rated = 0;
            foreach (var i in group)
            {
                var rec = served.GetValueOrDefault(i.Id);
                effective += i.SensorId is not null ? runs.GetValueOrDefault(i.Id) : rec.All;
                external += rec.External;
                var start = BeijingTime.StartOf(BeijingTime.DateOf(i.OnboardedAt!.Value));
                var end = i.ScrappedOn is { } s ? BeijingTime.StartOf(s) : to;
                rated += (i.RatedHoursPerYear ?? 1600) * Overlap(start, end, from, to) / 24 / 365;
            }
            result[group.Key] = (Math.Round(effective, 2), Math.Round(external, 2), Math.Round(rated, 2));
        }
        return result;
    }

    /// <summary>A node on a SQLite file with the demo data (at a scale), nothing running in the background. Reports benchmark too.</summary>
    internal sealed class Node : WebApplicationFactory<DatabaseOptions>
    {
        private readonly string _connectionString;
        private readonly double _scale;

        public Node(string connectionString, double scale)
        {
            (_connectionString, _scale) = (connectionString, scale);
            Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_DXYQOPENDATA_API", AppContext.BaseDirectory);
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            builder.UseSetting("Database:Provider", "Sqlite");
            builder.UseSetting("Database:ConnectionString", _connectionString);
            builder.UseSetting("Demo:Enabled", "true");
            builder.UseSetting("Demo:Seed", "1");
            builder.UseSetting("Demo:Scale", _scale.ToString(CultureInfo.InvariantCulture));
            builder.UseSetting("SensorBridge:Enabled", "false");
            builder.UseSetting("Supervision:Sweep:Enabled", "false");
            builder.UseSetting("Federation:Harvest:Enabled", "false");
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
            // The sweep's own line: its time per stage.
            builder.UseSetting("Logging:LogLevel:DxyqOpenData.Api.Supervision.AlertSweep", "Information");
            builder.UseSetting("Logging:Console:FormatterName", "simple");
        }
    }
}
