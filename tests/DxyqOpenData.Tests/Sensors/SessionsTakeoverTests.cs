using System.Globalization;
using DxyqOpenData.Api.Data;
using Xunit.Abstractions;

namespace DxyqOpenData.Tests.Sensors;

/// <summary>
/// Issue 18: two nodes' bridges on one <c>$share</c> subscription of mosquitto store a generated backlog; the node whose
/// bridge makes the sessions (holder of the lease <c>sensor-sessions</c>) is killed with SIGKILL once every reading is
/// stored and while the sessions still wait in its windows (<c>SessionSettleMilliseconds</c> lengthened). The other node
/// takes the lease once it runs out (<c>SessionLeaseSeconds</c>, shortened from 15 s to <see cref="Lease"/>) and makes the
/// sessions from the stored readings: exactly those the generator worked out, the machine hours grown by their hours and
/// the readings count by the distinct readings — nothing lost with the dead node, nothing counted twice.
/// </summary>
[Trait("Lane", "processes")]
public abstract class SessionsTakeoverTests(DatabaseProvider provider, ITestOutputHelper output)
{
    private const int Sensors = 4;
    /// <summary>How long a read reading waits in the holder's windows: longer than publishing the streams takes.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(30);
    /// <summary>
    /// The other node's settling time. It takes the sessions over from a backlog stored in full before the kill, which
    /// no bridge stores into any more: how long a read reading waits there changes nothing it makes, only when.
    /// </summary>
    private static readonly TimeSpan SurvivorSettle = TimeSpan.FromSeconds(1);
    /// <summary>The sessions' lease: renewed every third of it, so a holder loses it only after 6–7 s without a renewal.</summary>
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(3)]
    public async Task The_sessions_a_killed_bridge_held_are_made_by_the_other_once_its_lease_runs_out(int seed)
    {
        var start = DateTime.UtcNow.AddHours(-2);
        start = new DateTime(start.Year, start.Month, start.Day, start.Hour, start.Minute, 0, DateTimeKind.Utc);
        // The first node holds the lease from before the second starts: it is the one to kill.
        await using var nodes = await SharedBridgeNodes.StartAsync(provider, output, bridges: 2, Sensors, start, node => new Dictionary<string, string?>
        {
            ["SensorBridge:SessionSettleMilliseconds"] = Milliseconds(node == 1 ? Settle : SurvivorSettle),
            ["SensorBridge:SessionLeaseSeconds"] = ((int)Lease.TotalSeconds).ToString(CultureInfo.InvariantCulture),
        }, firstHoldsSessions: true);
        var random = new Random(seed);
        var streams = nodes.Sensors.Select((id, i) => GeneratedStream.Generate(id, start.AddSeconds(7 * i), random)).ToList();
        var expected = streams.SelectMany(s => s.Sessions).ToList();
        foreach (var stream in streams) await nodes.PublishAsync(stream);
        for (var deadline = DateTime.UtcNow.AddSeconds(30); (await nodes.ReadingsAsync(start)).Count < streams.Sum(s => s.Readings); await Task.Delay(200))
        {
            Assert.True(DateTime.UtcNow < deadline, "the bridges did not store the readings in 30 s");
        }

        var holder = await nodes.SessionsHolderAsync();
        Assert.True(holder == 1, $"the first node, holder since its start, still holds the sessions' lease (holder: node {holder})");
        var before = await nodes.SessionsAsync(start);
        output.WriteLine($"node {holder} (the sessions' holder) killed with {before.Count} of {expected.Count} sessions stored");
        Assert.True(before.Count < expected.Count, "the sessions still wait in the holder's windows when it is killed");
        await nodes.Nodes[holder - 1].KillAsync();
        var killed = DateTime.UtcNow;

        var sessions = await nodes.WaitForSessionsAsync(start, expected.Count, Lease + TimeSpan.FromSeconds(2) + SurvivorSettle + TimeSpan.FromSeconds(60));
        output.WriteLine($"sessions stored {(DateTime.UtcNow - killed).TotalSeconds:F0} s after the kill");
        await nodes.ShowAsync("after the kill");
        Assert.Equal(3 - holder, await nodes.SessionsHolderAsync());
        Assert.Equal(expected.Select(s => s.Line).Order(StringComparer.Ordinal), sessions);
        var rollups = await nodes.RollupsAsync();
        Assert.Equal(expected.Sum(s => (s.End - s.Start).TotalHours), rollups.HoursAdded, 6);
        Assert.Equal(streams.Sum(s => s.Readings), rollups.ReadingsAdded);
    }

    private static string Milliseconds(TimeSpan span) => ((int)span.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
}

public sealed class SqliteSessionsTakeoverTests(ITestOutputHelper output) : SessionsTakeoverTests(DatabaseProvider.Sqlite, output);

public sealed class PostgreSqlSessionsTakeoverTests(ITestOutputHelper output) : SessionsTakeoverTests(DatabaseProvider.PostgreSql, output);
