using DxyqOpenData.Api.Data;
using Xunit.Abstractions;

namespace DxyqOpenData.Tests.Sensors;

/// <summary>
/// Issue 18: two nodes' sensor bridges on one <c>$share</c> subscription of a real mosquitto, on one database, give the
/// readings, sessions and machine hours one bridge gives for the same stream on a fresh database — nothing lost, nothing
/// counted twice — though mosquitto hands a sensor's readings to both in turn (checked on each node's /metrics). The
/// stream is generated (seeded): several sensors, runs ended by a state change or by silence longer than the heartbeat,
/// idle spells, repeats of readings; published by mosquitto_pub, a client independent of the bridge. The sessions and
/// hours the stream must give are worked out by the generator as it writes the stream (<see cref="GeneratedStream"/>).
/// </summary>
[Trait("Lane", "processes")]
public abstract class SharedBridgesTests(DatabaseProvider provider, ITestOutputHelper output)
{
    private const int Sensors = 4;

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

        // The two runs share nothing (each its own mosquitto, nodes and database): run side by side.
        var runs = await Task.WhenAll(RunAsync(bridges: 1, seed, start), RunAsync(bridges: 2, seed, start));
        var (one, two) = (runs[0], runs[1]);

        Assert.Equal(one.Readings, two.Readings);
        Assert.Equal(one.Sessions, two.Sessions);
        Assert.Equal(one.Rollups, two.Rollups);
        Assert.Equal(one.HoursAdded, two.HoursAdded, 9);
        Assert.Equal(one.ReadingsAdded, two.ReadingsAdded);
    }

    private async Task<Outcome> RunAsync(int bridges, int seed, DateTime start)
    {
        await using var nodes = await SharedBridgeNodes.StartAsync(provider, output, bridges, Sensors, start);
        var random = new Random(seed);
        var streams = nodes.Sensors.Select((id, i) => GeneratedStream.Generate(id, start.AddSeconds(7 * i), random)).ToList();
        foreach (var stream in streams) await nodes.PublishAsync(stream);

        var expected = streams.SelectMany(s => s.Sessions).ToList();
        var published = System.Diagnostics.Stopwatch.StartNew();
        var sessions = await nodes.WaitForSessionsAsync(start, expected.Count, TimeSpan.FromSeconds(90));
        output.WriteLine($"{bridges} bridge(s): sessions stored {published.Elapsed.TotalSeconds:F1} s after the streams were published");
        await nodes.ShowAsync($"{bridges} bridge(s)");
        // The sessions the generator wrote: each once, closed where and why it said.
        Assert.Equal(expected.Select(s => s.Line).Order(StringComparer.Ordinal), sessions);

        var readings = await nodes.ReadingsAsync(start);
        Assert.Equal(streams.Sum(s => s.Readings), readings.Count);
        var rollups = await nodes.RollupsAsync();
        // The machine hours grew by the sessions' hours (to rounding), the readings count by the distinct readings.
        Assert.Equal(expected.Sum(s => (s.End - s.Start).TotalHours), rollups.HoursAdded, 6);
        Assert.Equal(readings.Count, rollups.ReadingsAdded);
        return new Outcome(readings, sessions, rollups.Rows, rollups.HoursAdded, rollups.ReadingsAdded);
    }
}

public sealed class SqliteSharedBridgesTests(ITestOutputHelper output) : SharedBridgesTests(DatabaseProvider.Sqlite, output);

public sealed class PostgreSqlSharedBridgesTests(ITestOutputHelper output) : SharedBridgesTests(DatabaseProvider.PostgreSql, output);
