using System.Globalization;
using DxyqOpenData.Api.Data;
using Xunit.Abstractions;

namespace DxyqOpenData.Tests.Sensors;

/// <summary>
/// The node (a real process) is killed with SIGKILL while devices publish through mosquitto (configured as
/// docs/sensors.md prescribes), alone or together with the broker, then started again on the same database with the
/// same bridge client id: every reading mosquitto acknowledged is stored, none twice — the ones the dead node had
/// stored but not acknowledged come again and are skipped, reading by reading.
/// </summary>
[Trait("Lane", "processes")]
public abstract class NodeKillTests(DatabaseProvider provider, ITestOutputHelper output)
{
    [Fact]
    public Task No_acknowledged_reading_is_lost_or_stored_twice_when_the_node_is_killed_mid_stream() =>
        KillMidStreamAsync(broker: null);

    /// <summary>
    /// Node and broker at the same instant. A broker stopped with SIGTERM saves what it had not yet seen
    /// acknowledged (the node's unacknowledged deliveries included): nothing acknowledged may be lost. A broker killed
    /// with SIGKILL keeps only its last save, up to <see cref="MosquittoProcess.SaveAge"/> old: a reading it acknowledged
    /// since and had handed to the node, which died before storing it, is gone — the limit docs/sensors.md states; every
    /// reading acknowledged before that must be stored.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task No_acknowledged_reading_is_lost_or_stored_twice_when_the_node_and_the_broker_go_down_together(bool sigkillBroker) =>
        KillMidStreamAsync(broker: sigkillBroker);

    private async Task KillMidStreamAsync(bool? broker)
    {
        using var mosquitto = new MosquittoProcess();
        await mosquitto.StartAsync();
        var database = NodeProcess.CreateDatabase(provider, "dxyq-kill");
        // Made canonical before the node starts: its first load of the sensors has them so (no wait for a reload).
        var sensors = await NodeProcess.CanonicalSensorsAsync(provider, database, 6);
        var settings = new Dictionary<string, string?>
        {
            ["SensorBridge:Enabled"] = "true",
            ["SensorBridge:Broker"] = "External",
            ["SensorBridge:External:Host"] = "127.0.0.1",
            ["SensorBridge:External:Port"] = mosquitto.Port.ToString(CultureInfo.InvariantCulture),
            ["SensorBridge:External:ClientId"] = $"bridge-{Guid.NewGuid():N}",
            ["SensorBridge:External:SharedGroup"] = MosquittoProcess.SharedGroup,
            ["SensorBridge:BatchDelayMilliseconds"] = "100",
            ["SensorBridge:ReorderWindowSeconds"] = "1",
            ["SensorBridge:SensorReloadSeconds"] = "1",
        };
        var node = await NodeProcess.StartAsync(provider, database, settings);
        try
        {
            await using var fleet = new DeviceFleet(mosquitto.Port, sensors, TimeSpan.FromMilliseconds(40));
            fleet.Start();
            // Mid-stream, ~300 readings in; the whole run acknowledged 1,100–1,600 on a busy machine (more than 300
            // are needed).
            await Task.Delay(TimeSpan.FromSeconds(2));
            List<(DateTime, DateTime)> lost = [];
            var signalled = DateTime.UtcNow;
            await Task.WhenAll(node.KillAsync(), broker is { } kill ? mosquitto.StopAsync(kill) : Task.CompletedTask);
            // What a killed broker may lose: acknowledged since its last save, at most SaveAge before the kill (as in
            // BrokerFaultTests; a 1 s window lost 102 readings acknowledged 1-2 s before the kill on a busy machine).
            if (broker == true) lost.Add((signalled - MosquittoProcess.SaveAge, DateTime.UtcNow));
            await node.DisposeAsync();
            // The node starts again at once; a broker that went down with it comes back 2 s later, while the node starts
            // (its bridge connects once the broker is there).
            var restarting = NodeProcess.StartAsync(provider, database, settings);
            if (broker is not null)
            {
                await Task.Delay(TimeSpan.FromSeconds(2));
                await mosquitto.StartAsync();
            }
            node = await restarting;
            output.WriteLine($"killed at {signalled:HH:mm:ss.fff}; node ready again {(DateTime.UtcNow - signalled).TotalSeconds:F1} s after");
            await Task.Delay(TimeSpan.FromSeconds(2));
            await fleet.StopAsync();
            output.WriteLine($"{fleet.Acknowledged.Count} of {fleet.Attempted.Count} readings acknowledged");

            await fleet.AssertStoredAsync(sql => NodeProcess.QueryAsync(provider, database, sql), lost);
        }
        finally
        {
            await node.DisposeAsync();
        }
    }
}

public sealed class SqliteNodeKillTests(ITestOutputHelper output) : NodeKillTests(DatabaseProvider.Sqlite, output);

public sealed class PostgreSqlNodeKillTests(ITestOutputHelper output) : NodeKillTests(DatabaseProvider.PostgreSql, output);
