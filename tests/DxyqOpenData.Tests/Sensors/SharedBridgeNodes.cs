using System.Globalization;
using DxyqOpenData.Api.Data;
using Xunit.Abstractions;

namespace DxyqOpenData.Tests.Sensors;

/// <summary>
/// Nodes (real processes) whose bridges share one <c>$share</c> subscription of a real mosquitto, on one database, with
/// a few of the demo's sensors made canonical with a known heartbeat; generated streams are published through
/// mosquitto_pub and what the nodes made of them is read back by SQL (<see cref="SharedBridgesTests"/>,
/// <see cref="SessionsTakeoverTests"/>).
/// </summary>
public sealed class SharedBridgeNodes : IAsyncDisposable
{
    public const int HeartbeatSeconds = 60;
    private const string Group = "dxyq-test";

    private readonly DatabaseProvider _provider;
    private readonly ITestOutputHelper _output;
    private readonly MosquittoProcess _broker = new();
    private readonly string _database;
    private List<object?[]> _rollupsBefore = [];

    private SharedBridgeNodes(DatabaseProvider provider, ITestOutputHelper output)
    {
        _provider = provider;
        _output = output;
        _database = NodeProcess.CreateDatabase(provider, "dxyq-shared");
    }

    public List<NodeProcess> Nodes { get; } = [];
    public IReadOnlyList<string> Sensors { get; private set; } = [];
    private string SensorList => string.Join(", ", Sensors.Select(s => $"'{s}'"));
    private string RollupSql => "SELECT instrument_id, day, running_hours, readings FROM instrument_daily_usage WHERE instrument_id IN "
        + $"(SELECT instrument_id FROM sensors WHERE id IN ({SensorList})) ORDER BY instrument_id, day";

    /// <summary>
    /// Starts mosquitto and <paramref name="bridges"/> nodes on a copy of the run's demo database, node <c>i</c> (1, 2, …)
    /// with <paramref name="settings"/>(<c>i</c>) on top of the bridges' own, and takes <paramref name="sensors"/> sensors
    /// with an instrument and no open session, made canonical with <see cref="HeartbeatSeconds"/> before the nodes start
    /// (their first load of the sensors has them so: no wait for a reload). The nodes start side by side; with
    /// <paramref name="firstHoldsSessions"/> the first one holds the sessions' lease before the others start. Each bridge
    /// then stores a batch of readings of another sensor before the test's streams, as in a running cluster (a node's
    /// first store is slow — its database mapping is built then — and a bridge further behind the other than the settling
    /// time makes older readings late: docs/sensors.md, "Several bridges").
    /// </summary>
    public static async Task<SharedBridgeNodes> StartAsync(DatabaseProvider provider, ITestOutputHelper output, int bridges, int sensors,
        DateTime start, Func<int, IReadOnlyDictionary<string, string?>>? settings = null, bool firstHoldsSessions = false)
    {
        var run = new SharedBridgeNodes(provider, output);
        try
        {
            await run.StartAsync(bridges, sensors, start, settings ?? (_ => new Dictionary<string, string?>()), firstHoldsSessions);
            return run;
        }
        catch
        {
            await run.DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync(int bridges, int count, DateTime start, Func<int, IReadOnlyDictionary<string, string?>> settings, bool firstHoldsSessions)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        Sensors = await NodeProcess.CanonicalSensorsAsync(_provider, _database, count,
            "id NOT IN (SELECT sensor_id FROM usage_sessions WHERE end_reason = 'open' AND sensor_id IS NOT NULL)", HeartbeatSeconds);
        var warmUp = (await NodeProcess.CanonicalSensorsAsync(_provider, _database, 1, $"id NOT IN ({SensorList})"))[0];

        await _broker.StartAsync();
        Dictionary<string, string?> Settings(int node) => new Dictionary<string, string?>
        {
            ["SensorBridge:Enabled"] = "true",
            ["SensorBridge:Broker"] = "External",
            ["SensorBridge:External:Host"] = "127.0.0.1",
            ["SensorBridge:External:Port"] = _broker.Port.ToString(CultureInfo.InvariantCulture),
            ["SensorBridge:External:ClientId"] = $"bridge-{node}-{Guid.NewGuid():N}",
            ["SensorBridge:External:SharedGroup"] = Group,
            ["SensorBridge:BatchDelayMilliseconds"] = "100",
            ["SensorBridge:ReorderWindowSeconds"] = "5",
            ["SensorBridge:SensorReloadSeconds"] = "1",
            // Sessions stored every second instead of every 5: they show up sooner, made the same way.
            ["SensorBridge:RunStateIntervalSeconds"] = "1",
            // Which bridge makes the sessions, and when that changes: shown when the test fails.
            ["Logging:LogLevel:DxyqOpenData.SensorBridge"] = "Information",
        }.Concat(settings(node)).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value);
        if (firstHoldsSessions)
        {
            Nodes.Add(await NodeProcess.StartAsync(_provider, _database, Settings(1)));
            for (var deadline = DateTime.UtcNow.AddSeconds(30); await SessionsHolderAsync() != 1; await Task.Delay(100))
            {
                Assert.True(DateTime.UtcNow < deadline, "the first node took no sessions' lease in 30 s");
            }
        }
        // The others side by side (in Nodes in the order of their numbers).
        var starting = Enumerable.Range(Nodes.Count + 1, bridges - Nodes.Count).Select(i => NodeProcess.StartAsync(_provider, _database, Settings(i))).ToList();
        try
        {
            await Task.WhenAll(starting);
        }
        finally
        {
            // Those that did start are stopped with the others when a start failed.
            Nodes.AddRange(starting.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
        }

        await GeneratedStream.Idle(warmUp, start.AddDays(-1), 8).PublishAsync(_broker.Port);
        for (var deadline = DateTime.UtcNow.AddSeconds(60); (await CountersAsync("dxyq_sensor_bridge_batches_total ")).Any(c => c == 0); await Task.Delay(200))
        {
            Assert.True(DateTime.UtcNow < deadline, "a bridge stored no batch of the warm-up readings in 60 s");
        }
        _rollupsBefore = await QueryAsync(RollupSql);
        _output.WriteLine($"{bridges} bridge(s) started and warmed up in {started.Elapsed.TotalSeconds:F1} s");
    }

    public Task<List<object?[]>> QueryAsync(string sql) => NodeProcess.QueryAsync(_provider, _database, sql);

    /// <summary>Publishes the stream and checks that mosquitto gave every message to exactly one bridge, and some to each.</summary>
    public async Task PublishAsync(GeneratedStream stream)
    {
        var received = await CountersAsync("dxyq_sensor_bridge_messages_received_total ");
        await stream.PublishAsync(_broker.Port);
        var after = received;
        for (var deadline = DateTime.UtcNow.AddSeconds(60); after.Sum() - received.Sum() < stream.Lines.Count && DateTime.UtcNow < deadline; await Task.Delay(200))
        {
            after = await CountersAsync("dxyq_sensor_bridge_messages_received_total ");
        }
        var counts = after.Zip(received, (a, b) => a - b).ToList();
        _output.WriteLine($"{Nodes.Count} bridge(s), {stream.SensorId}: {stream.Lines.Count} messages, received {string.Join(" + ", counts)}");
        Assert.Equal(stream.Lines.Count, counts.Sum());
        Assert.All(counts, c => Assert.True(c > 0, $"a bridge received none of {stream.SensorId}'s readings: {string.Join(", ", counts)}"));
    }

    /// <summary>The sensors' sessions from <paramref name="start"/> on, as <see cref="GeneratedSession.Line"/>s, ordered.</summary>
    public async Task<List<string>> SessionsAsync(DateTime start) =>
        [.. (await QueryAsync($"SELECT sensor_id, started_at, ended_at, hours, end_reason FROM usage_sessions WHERE sensor_id IN ({SensorList}) AND started_at >= {Literal(start)}"))
            .Select(s => $"{s[0]} {Instant(s[1]):O} {(s[2] is null ? "-" : Instant(s[2]).ToString("O"))} {Convert.ToDouble(s[3], CultureInfo.InvariantCulture):F4} {s[4]}")
            .Order(StringComparer.Ordinal)];

    /// <summary>Waits (up to <paramref name="timeout"/>) for <paramref name="count"/> sessions, all closed, then 2 s more (nothing more may come).</summary>
    public async Task<List<string>> WaitForSessionsAsync(DateTime start, int count, TimeSpan timeout)
    {
        for (var deadline = DateTime.UtcNow + timeout; DateTime.UtcNow < deadline; await Task.Delay(500))
        {
            var sessions = await SessionsAsync(start);
            if (sessions.Count == count && sessions.All(s => !s.EndsWith(" open", StringComparison.Ordinal))) break;
        }
        await Task.Delay(2000);
        return await SessionsAsync(start);
    }

    /// <summary>The sensors' stored readings from <paramref name="start"/> on, ordered.</summary>
    public async Task<List<string>> ReadingsAsync(DateTime start) =>
        [.. (await QueryAsync($"SELECT sensor_id, ts, seq, state, power_w FROM sensor_readings WHERE sensor_id IN ({SensorList}) AND ts >= {Literal(start)}"))
            .Select(r => $"{r[0]} {Instant(r[1]):O} {r[2]} {r[3]} {Convert.ToDouble(r[4], CultureInfo.InvariantCulture)}").Order(StringComparer.Ordinal)];

    /// <summary>The sensors' instruments' daily rollups, and the hours and readings added since the warm-up.</summary>
    public async Task<(List<string> Rows, double HoursAdded, long ReadingsAdded)> RollupsAsync()
    {
        var rollups = await QueryAsync(RollupSql);
        double Hours(List<object?[]> rows) => rows.Sum(r => Convert.ToDouble(r[2], CultureInfo.InvariantCulture));
        long Count(List<object?[]> rows) => rows.Sum(r => Convert.ToInt64(r[3], CultureInfo.InvariantCulture));
        return ([.. rollups.Select(r => $"{r[0]} {r[1]} {Convert.ToDouble(r[2], CultureInfo.InvariantCulture):F6} {r[3]}")],
            Hours(rollups) - Hours(_rollupsBefore), Count(rollups) - Count(_rollupsBefore));
    }

    /// <summary>The node (1, 2, …) whose bridge holds the sessions' lease (<c>leases</c>: the holder names its process).</summary>
    public async Task<int> SessionsHolderAsync()
    {
        var holder = (string?)(await QueryAsync("SELECT holder FROM leases WHERE name = 'sensor-sessions'")).Select(r => r[0]).SingleOrDefault();
        return Nodes.FindIndex(n => holder?.Split('/')[1] == n.ProcessId.ToString(CultureInfo.InvariantCulture)) + 1;
    }

    /// <summary>Late dead letters, the nodes' sensor log lines and the sessions' lease: shown when a test fails.</summary>
    public async Task ShowAsync(string label)
    {
        foreach (var row in await QueryAsync("SELECT reason, detail, received_at FROM sensor_dead_letters WHERE topic LIKE 'dxyq/v1/sensors/%' AND reason = 'late'"))
        {
            _output.WriteLine($"{label}: dead letter {row[0]} {row[1]} at {Instant(row[2]):O}");
        }
        foreach (var (node, i) in Nodes.Select((n, i) => (n, i + 1)))
        {
            foreach (var line in node.Log.Where(l => l.Contains("Sensor", StringComparison.Ordinal) || l.Contains("lease", StringComparison.OrdinalIgnoreCase)))
            {
                _output.WriteLine($"{label}, node {i}: {line}");
            }
        }
        foreach (var row in await QueryAsync("SELECT name, holder, acquired_at FROM leases WHERE name = 'sensor-sessions'"))
        {
            _output.WriteLine($"{label}: lease {row[0]} held by {row[1]} since {Instant(row[2]):O}");
        }
    }

    private async Task<List<long>> CountersAsync(string counter)
    {
        using var http = new HttpClient();
        var counts = new List<long>();
        foreach (var node in Nodes)
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

    private string Literal(DateTime utc) => _provider == DatabaseProvider.PostgreSql
        ? $"TIMESTAMPTZ '{utc:yyyy-MM-dd HH:mm:ss.ffffff}Z'"
        : $"'{utc:yyyy-MM-dd HH:mm:ss.FFFFFFF}'";

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes) await node.DisposeAsync();
        _broker.Dispose();
    }
}
