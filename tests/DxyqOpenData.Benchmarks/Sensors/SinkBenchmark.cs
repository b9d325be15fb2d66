using System.Diagnostics;
using System.Globalization;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Sensors;
using DxyqOpenData.SensorBridge;
using DxyqOpenData.SensorBridge.Pipeline;
using DxyqOpenData.SensorBridge.Processing;
using DxyqOpenData.SensorBridge.Readings;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace DxyqOpenData.Benchmarks.Sensors;

/// <summary>
/// The node's SQLite sink alone (no broker, no bridge): batches shaped like the bridge's under the sensors benchmark
/// (5,000 readings of distinct sensors, session opens and closes, run states) written one after another as fast as
/// the sink takes them, into one growing <c>sensor_readings</c> table; the sink's time per 1,000 readings printed for
/// every million rows, so a cost that grows with the table shows. See README.md (sensors, <c>--sink-rows</c>).
/// </summary>
internal static class SinkBenchmark
{
    public static async Task<int> RunAsync(int sensors, long rows)
    {
        var sqlite = Path.Combine(Path.GetTempPath(), $"dxyq-bench-sink-{Guid.NewGuid():N}.db");
        await using var node = SensorsBenchmark.Node(sqlite, b => b.UseSetting("SensorBridge:Enabled", "false"));
        await SensorsBenchmark.AddSensorsAsync(node.Services, sensors);
        IReadOnlyDictionary<string, SensorInfo> known;
        await using (var scope = node.Services.CreateAsyncScope())
        {
            known = await scope.ServiceProvider.GetRequiredService<ISensorSink>().LoadSensorsAsync(CancellationToken.None);
        }
        var ids = known.Values.OrderBy(s => s.Id, StringComparer.Ordinal).ToArray();
        Console.WriteLine($"# sink alone on SQLite: {ids.Length} sensors, batches of 5,000 readings, {rows:N0} rows; load average {SensorsBenchmark.LoadAverage()}");
        Console.WriteLine("# rows in table | sink ms per 1,000 readings (this million) | process CPU ms per 1,000 | slowest batch ms | wall readings/s | load average");

        // Simulated time: readings 50 µs apart (20,000/s), a device toggles running/standby every 50 readings,
        // last-seen times for every sensor every 5 s of simulated time (what the writer passes on).
        var clock = new DateTime(2026, 11, 29, 0, 0, 0, DateTimeKind.Utc);
        var seq = new long[ids.Length];
        var running = new bool[ids.Length];
        var since = new DateTime[ids.Length];
        var next = 0;
        long written = 0, sinceReport = 0, sinkTicksSinceReport = 0, slowestTicks = 0;
        var nextLastSeen = clock;
        var wallSinceReport = Stopwatch.GetTimestamp();
        var cpuSinceReport = SensorsBenchmark.CpuSeconds();
        while (written < rows)
        {
            var readings = new List<NormalizedReading>(5000);
            var opened = new List<SessionOpened>();
            var closed = new List<SessionClosed>();
            var states = new Dictionary<string, RunStateUpdate>();
            for (var i = 0; i < 5000; i++)
            {
                var s = next;
                next = (next + 1) % ids.Length;
                clock = clock.AddTicks(500);
                var info = ids[s];
                var n = ++seq[s];
                if (n % 50 == 0)
                {
                    running[s] = !running[s];
                    if (running[s]) { since[s] = clock; opened.Add(new SessionOpened(info.Id, info.InstrumentId, clock)); }
                    else closed.Add(new SessionClosed(info.Id, info.InstrumentId, since[s], clock, SessionEndReason.StateChange));
                    var state = running[s] ? RunStateKind.Running : RunStateKind.Standby;
                    states[info.Id] = new RunStateUpdate(info.Id, info.InstrumentId, state, clock);
                }
                readings.Add(new NormalizedReading(info.Id, info.InstrumentId, clock, running[s] ? RunStateKind.Running : RunStateKind.Standby, 1520.5, n));
            }
            if (clock >= nextLastSeen)
            {
                for (var s = 0; s < ids.Length; s++)
                {
                    states.TryAdd(ids[s].Id, new RunStateUpdate(ids[s].Id, ids[s].InstrumentId, running[s] ? RunStateKind.Running : RunStateKind.Standby, clock));
                }
                nextLastSeen = clock.AddSeconds(5);
            }
            var batch = new Batch(readings, opened, closed, [.. states.Values], []);
            var start = Stopwatch.GetTimestamp();
            await using (var scope = node.Services.CreateAsyncScope())
            {
                await scope.ServiceProvider.GetRequiredService<ISensorSink>().WriteAsync(batch, CancellationToken.None);
            }
            var took = Stopwatch.GetTimestamp() - start;
            sinkTicksSinceReport += took;
            slowestTicks = Math.Max(slowestTicks, took);
            written += readings.Count;
            sinceReport += readings.Count;
            if (sinceReport >= 1_000_000 || written >= rows)
            {
                var ms = Stopwatch.GetElapsedTime(0, sinkTicksSinceReport).TotalMilliseconds / sinceReport * 1000;
                var wall = sinceReport / Stopwatch.GetElapsedTime(wallSinceReport).TotalSeconds;
                var cpu = (SensorsBenchmark.CpuSeconds() - cpuSinceReport) * 1000 / sinceReport * 1000;
                Console.WriteLine(FormattableString.Invariant($"{written,14:N0} | {ms,8:0.0} | {cpu,8:0.0} | {Stopwatch.GetElapsedTime(0, slowestTicks).TotalMilliseconds,8:0} | {wall,8:0} | {SensorsBenchmark.LoadAverage()}"));
                cpuSinceReport = SensorsBenchmark.CpuSeconds();
                sinceReport = 0;
                sinkTicksSinceReport = 0;
                slowestTicks = 0;
                wallSinceReport = Stopwatch.GetTimestamp();
            }
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var size = new FileInfo(sqlite).Length / 1048576.0;
        Console.WriteLine(FormattableString.Invariant($"# database file {size:0} MB"));
        foreach (var suffix in new[] { "", "-wal", "-shm" }) { try { File.Delete(sqlite + suffix); } catch (IOException) { } }
        return 0;
    }
}
