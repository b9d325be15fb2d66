using System.Diagnostics;
using System.Globalization;
using System.Text;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;
using Xunit.Abstractions;

namespace DxyqOpenData.Tests.Sensors;

/// <summary>
/// Issue 18: two nodes' sensor bridges on one <c>$share</c> subscription of a real mosquitto, on one database, give the
/// readings, sessions and machine hours one bridge gives for the same stream on a fresh database — nothing lost, nothing
/// counted twice — though mosquitto hands a sensor's readings to both in turn (checked on each node's /metrics). The
/// stream is generated (seeded): several sensors, runs ended by a state change or by silence longer than the heartbeat,
/// idle spells, repeats of readings; published by mosquitto_pub, a client independent of the bridge. The sessions and
/// hours the stream must give are worked out by the generator as it writes the stream.
/// </summary>
public abstract class SharedBridgesTests(DatabaseProvider provider, ITestOutputHelper output)
{
    private const int Sensors = 4;
    private const int HeartbeatSeconds = 60;
    private const string Group = "dxyq-test";

    private sealed record Session(string SensorId, DateTime Start, DateTime End, string Reason)
    {
        public double Hours => Math.Round((End - Start).TotalHours, 4);
    }

    /// <summary>One sensor's generated stream: the lines mosquitto_pub sends (repeats included) and what they must give.</summary>
    private sealed record Stream(string SensorId, List<string> Lines, int Readings, List<Session> Sessions);

    private sealed record Outcome(List<string> Readings, List<string> Sessions, List<string> Rollups, double HoursAdded, long ReadingsAdded);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Two_bridges_on_a_shared_subscription_give_the_readings_sessions_and_hours_of_one(int seed)
    {
        // Well in the past (a backlog, as after an outage): the sessions then follow the order readings were stored in,
        // which with two bridges is not the order they were published in.
        var start = DateTime.UtcNow.AddHours(-2);
        start = new DateTime(start.Year, start.Month, start.Day, start.Hour, start.Minute, 0, DateTimeKind.Utc);

        var one = await RunAsync(bridges: 1, seed, start);
        var two = await RunAsync(bridges: 2, seed, start);

        Assert.Equal(one.Readings, two.Readings);
        Assert.Equal(one.Sessions, two.Sessions);
        Assert.Equal(one.Rollups, two.Rollups);
        Assert.Equal(one.HoursAdded, two.HoursAdded, 9);
        Assert.Equal(one.ReadingsAdded, two.ReadingsAdded);
    }

    private async Task<Outcome> RunAsync(int bridges, int seed, DateTime start)
    {
        using var broker = new MosquittoProcess();
        await broker.StartAsync();
        var database = provider == DatabaseProvider.Sqlite
            ? $"Data Source={Path.Combine(Path.GetTempPath(), $"dxyq-shared-{Guid.NewGuid():N}.db")}"
            : TestPostgres.CreateDatabase();
        Dictionary<string, string?> Settings(int node) => new()
        {
            ["SensorBridge:Enabled"] = "true",
            ["SensorBridge:Broker"] = "External",
            ["SensorBridge:External:Host"] = "127.0.0.1",
            ["SensorBridge:External:Port"] = broker.Port.ToString(CultureInfo.InvariantCulture),
            ["SensorBridge:External:ClientId"] = $"bridge-{node}-{Guid.NewGuid():N}",
            ["SensorBridge:External:SharedGroup"] = Group,
            ["SensorBridge:BatchDelayMilliseconds"] = "100",
            ["SensorBridge:ReorderWindowSeconds"] = "5",
            ["SensorBridge:SensorReloadSeconds"] = "1",
            // Which bridge makes the sessions, and when that changes: shown when the test fails.
            ["Logging:LogLevel:DxyqOpenData.SensorBridge"] = "Information",
        };
        var nodes = new List<NodeProcess>();
        try
        {
            // The first node migrates the database and loads the demo; the second starts on it.
            for (var i = 1; i <= bridges; i++) nodes.Add(await NodeProcess.StartAsync(provider, database, Settings(i)));
            Task<List<object?[]>> Query(string sql) => NodeProcess.QueryAsync(provider, database, sql);

            // Sensors with an instrument and no session open, canonical, with a known heartbeat.
            var sensors = (await Query("SELECT id, instrument_id FROM sensors WHERE status = 'active' AND instrument_id IS NOT NULL "
                    + "AND id NOT IN (SELECT sensor_id FROM usage_sessions WHERE end_reason = 'open' AND sensor_id IS NOT NULL) ORDER BY id"))
                .Take(Sensors).Select(r => (string)r[0]!).ToList();
            Assert.Equal(Sensors, sensors.Count);
            var list = string.Join(", ", sensors.Select(s => $"'{s}'"));
            await Query($"UPDATE sensors SET format = 'canonical', heartbeat_seconds = {HeartbeatSeconds} WHERE id IN ({list})");
            await Task.Delay(2500); // the bridges reload their sensors every second
            var rollupSql = $"SELECT instrument_id, day, running_hours, readings FROM instrument_daily_usage WHERE instrument_id IN "
                + $"(SELECT instrument_id FROM sensors WHERE id IN ({list})) ORDER BY instrument_id, day";

            // A running cluster: each bridge has stored a batch before the stream (a node's first store is slow — its
            // database mapping is built then — and a bridge further behind the other than the settling time makes
            // older readings late: docs/sensors.md, "Several bridges").
            var warmUp = (await Query($"SELECT id FROM sensors WHERE status = 'active' AND instrument_id IS NOT NULL AND id NOT IN ({list}) ORDER BY id")).Select(r => (string)r[0]!).First();
            await Query($"UPDATE sensors SET format = 'canonical' WHERE id = '{warmUp}'");
            await Task.Delay(2500);
            var warm = new Stream(warmUp, [.. Enumerable.Range(1, 8).Select(i => $$"""{"timestamp":"{{start.AddDays(-1).AddSeconds(i):yyyy-MM-ddTHH:mm:ss.fffZ}}","state":"off","seq":{{i}}}""")], 8, []);
            await PublishAsync(broker.Port, warm);
            for (var deadline = DateTime.UtcNow.AddSeconds(60); (await CountersAsync(nodes, "dxyq_sensor_bridge_batches_total ")).Any(c => c == 0); await Task.Delay(200))
            {
                Assert.True(DateTime.UtcNow < deadline, "a bridge stored no batch of the warm-up readings in 60 s");
            }
            var before = await Query(rollupSql);
            var random = new Random(seed);
            var streams = sensors.Select((id, i) => Generate(id, start.AddSeconds(7 * i), random)).ToList();
            foreach (var stream in streams)
            {
                var received = await ReceivedAsync(nodes);
                await PublishAsync(broker.Port, stream);
                // Every message to exactly one bridge of the group; with two, to both of them.
                var after = received;
                for (var deadline = DateTime.UtcNow.AddSeconds(60); after.Sum() - received.Sum() < stream.Lines.Count && DateTime.UtcNow < deadline; await Task.Delay(200))
                {
                    after = await ReceivedAsync(nodes);
                }
                var counts = after.Zip(received, (a, b) => a - b).ToList();
                output.WriteLine($"{bridges} bridge(s), {stream.SensorId}: {stream.Lines.Count} messages, received {string.Join(" + ", counts)}");
                Assert.Equal(stream.Lines.Count, counts.Sum());
                Assert.All(counts, c => Assert.True(c > 0, $"a bridge received none of {stream.SensorId}'s readings: {string.Join(", ", counts)}"));
            }

            var expected = streams.SelectMany(s => s.Sessions).ToList();
            var sessionSql = $"SELECT sensor_id, started_at, ended_at, hours, end_reason FROM usage_sessions WHERE sensor_id IN ({list}) AND started_at >= {Literal(start)}";
            List<object?[]> sessions = [];
            for (var deadline = DateTime.UtcNow.AddSeconds(90); DateTime.UtcNow < deadline; await Task.Delay(500))
            {
                sessions = await Query(sessionSql);
                if (sessions.Count == expected.Count && sessions.All(s => (string)s[4]! != "open")) break;
            }
            await Task.Delay(2000); // nothing more may come
            sessions = await Query(sessionSql);

            // The sessions the generator wrote: each once, closed where and why it said.
            foreach (var row in await Query($"SELECT reason, detail, received_at FROM sensor_dead_letters WHERE topic LIKE 'dxyq/v1/sensors/%' AND reason = 'late'"))
            {
                output.WriteLine($"{bridges} bridge(s): dead letter {row[0]} {row[1]} at {Instant(row[2]):O}");
            }
            foreach (var (node, i) in nodes.Select((n, i) => (n, i + 1)))
            {
                foreach (var line in node.Log.Where(l => l.Contains("Sensor", StringComparison.Ordinal) || l.Contains("lease", StringComparison.OrdinalIgnoreCase)))
                {
                    output.WriteLine($"node {i}: {line}");
                }
            }
            foreach (var row in await Query("SELECT name, holder, acquired_at FROM leases WHERE name = 'sensor-sessions'"))
            {
                output.WriteLine($"{bridges} bridge(s): lease {row[0]} held by {row[1]} since {Instant(row[2]):O}");
            }
            var stored = sessions.Select(s => $"{s[0]} {Instant(s[1]):O} {(s[2] is null ? "-" : Instant(s[2]).ToString("O"))} {Convert.ToDouble(s[3], CultureInfo.InvariantCulture):F4} {s[4]}")
                .Order(StringComparer.Ordinal).ToList();
            Assert.Equal(expected.Select(s => $"{s.SensorId} {s.Start:O} {s.End:O} {s.Hours:F4} {s.Reason}").Order(StringComparer.Ordinal), stored);

            var readings = (await Query($"SELECT sensor_id, ts, seq, state, power_w FROM sensor_readings WHERE sensor_id IN ({list}) AND ts >= {Literal(start)}"))
                .Select(r => $"{r[0]} {Instant(r[1]):O} {r[2]} {r[3]} {Convert.ToDouble(r[4], CultureInfo.InvariantCulture)}").Order(StringComparer.Ordinal).ToList();
            Assert.Equal(streams.Sum(s => s.Readings), readings.Count);

            var rollups = await Query(rollupSql);
            double Hours(List<object?[]> rows) => rows.Sum(r => Convert.ToDouble(r[2], CultureInfo.InvariantCulture));
            long Count(List<object?[]> rows) => rows.Sum(r => Convert.ToInt64(r[3], CultureInfo.InvariantCulture));
            // The machine hours grew by the sessions' hours (to rounding), the readings count by the distinct readings.
            Assert.Equal(expected.Sum(s => (s.End - s.Start).TotalHours), Hours(rollups) - Hours(before), 6);
            Assert.Equal(readings.Count, Count(rollups) - Count(before));
            return new Outcome(readings, stored,
                [.. rollups.Select(r => $"{r[0]} {r[1]} {Convert.ToDouble(r[2], CultureInfo.InvariantCulture):F6} {r[3]}")],
                Hours(rollups) - Hours(before), Count(rollups) - Count(before));
        }
        finally
        {
            foreach (var node in nodes) await node.DisposeAsync();
        }
    }

    /// <summary>
    /// Idle spells and runs, a reading every 10 s; a run ends with a standby or off reading (stateChange, at it) or with
    /// silence of five minutes, longer than the heartbeat (offline, at its last reading); the stream ends off. About one
    /// reading in eight is sent twice, a few messages later.
    /// </summary>
    private static Stream Generate(string sensorId, DateTime start, Random random)
    {
        var lines = new List<string>();
        var sessions = new List<Session>();
        var t = start;
        long seq = 0;
        var readings = 0;
        void Emit(string state)
        {
            var line = $$"""{"timestamp":"{{t:yyyy-MM-ddTHH:mm:ss.fffZ}}","state":"{{state}}","powerW":{{random.Next(50, 3000)}},"seq":{{++seq}}}""";
            lines.Add(line);
            readings++;
            if (random.Next(8) == 0) lines.Insert(Math.Max(0, lines.Count - random.Next(1, 4)), line);
        }
        for (var segment = 0; segment < 6; segment++)
        {
            var idle = random.Next(2, 6);
            for (var i = 0; i < idle; i++, t = t.AddSeconds(10)) Emit(random.Next(2) == 0 ? "off" : "standby");
            var runStart = t;
            var run = random.Next(2, 9);
            for (var i = 0; i < run; i++, t = t.AddSeconds(10)) Emit("running");
            var last = t.AddSeconds(-10);
            if (random.Next(3) == 0)
            {
                sessions.Add(new Session(sensorId, runStart, last, "offline"));
                t = last.AddMinutes(5);
            }
            else
            {
                sessions.Add(new Session(sensorId, runStart, t, "stateChange"));
            }
        }
        Emit("off");
        return new Stream(sensorId, lines, readings, sessions);
    }

    /// <summary>One mosquitto_pub for the stream's lines (<c>-l</c>: a message per line), QoS 1, in order.</summary>
    private static async Task PublishAsync(int port, Stream stream)
    {
        var info = new ProcessStartInfo("mosquitto_pub", ["-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-q", "1",
            "-V", "mqttv5", "-t", $"dxyq/v1/sensors/{stream.SensorId}/telemetry", "-l"])
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
        };
        using var pub = Process.Start(info)!;
        await pub.StandardInput.WriteAsync(string.Join('\n', stream.Lines) + "\n");
        pub.StandardInput.Close();
        var error = await pub.StandardError.ReadToEndAsync();
        await pub.WaitForExitAsync();
        Assert.True(pub.ExitCode == 0, $"mosquitto_pub failed: {error}");
    }

    /// <summary>Each node's count of messages its bridge took in, from its /metrics.</summary>
    private static Task<List<long>> ReceivedAsync(List<NodeProcess> nodes) => CountersAsync(nodes, "dxyq_sensor_bridge_messages_received_total ");

    private static async Task<List<long>> CountersAsync(List<NodeProcess> nodes, string counter)
    {
        using var http = new HttpClient();
        var counts = new List<long>();
        foreach (var node in nodes)
        {
            var text = await http.GetStringAsync(new Uri(node.Address, "/metrics"));
            var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(counter, StringComparison.Ordinal));
            counts.Add(line is null ? 0 : (long)double.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture));
        }
        return counts;
    }

    private static DateTime Instant(object? value) => value switch
    {
        DateTime t => DateTime.SpecifyKind(t, DateTimeKind.Utc),
        DateTimeOffset o => o.UtcDateTime,
        string s => DateTime.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
        _ => throw new InvalidOperationException($"not an instant: {value}"),
    };

    private string Literal(DateTime utc) => provider == DatabaseProvider.PostgreSql
        ? $"TIMESTAMPTZ '{utc:yyyy-MM-dd HH:mm:ss.ffffff}Z'"
        : $"'{utc:yyyy-MM-dd HH:mm:ss.FFFFFFF}'";
}

public sealed class SqliteSharedBridgesTests(ITestOutputHelper output) : SharedBridgesTests(DatabaseProvider.Sqlite, output);

public sealed class PostgreSqlSharedBridgesTests(ITestOutputHelper output) : SharedBridgesTests(DatabaseProvider.PostgreSql, output);
