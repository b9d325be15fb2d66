using System.Globalization;
using DxyqOpenData.Api.Data;
using DxyqOpenData.SensorBridge;
using DxyqOpenData.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DxyqOpenData.Tests.Sensors;

/// <summary>
/// A node on an external mosquitto (configured as docs/sensors.md prescribes) while devices publish QoS 1 readings:
/// the broker is stopped (SIGTERM) and killed (SIGKILL) mid-stream, for 2 s and for 20 s. Every reading the broker
/// acknowledged to its device is stored, none twice, and nothing is stored that no device sent. The one exception is
/// mosquitto's own limit (docs/sensors.md): killed with SIGKILL it comes back with its last save, so a reading it had
/// acknowledged since then and the bridge had not stored yet is gone.
/// </summary>
[Trait("Lane", "processes")]
public abstract class BrokerFaultTests(DatabaseProvider provider)
{
    private const int Devices = 6;

    [Fact]
    public async Task No_acknowledged_reading_is_lost_or_stored_twice_when_the_broker_is_stopped_or_killed_mid_stream()
    {
        // Two sets side by side, each with its own mosquitto, node, database and devices (they share nothing): between
        // them the broker is stopped and killed, each for 2 s and for 20 s.
        await Task.WhenAll(OutagesAsync([(false, 2), (true, 20)]), OutagesAsync([(true, 2), (false, 20)]));
    }

    /// <summary>The broker stopped (SIGTERM) or killed (SIGKILL) for so many seconds, in turn, while the devices publish.</summary>
    private async Task OutagesAsync(IReadOnlyList<(bool Kill, int Down)> outages)
    {
        using var broker = new MosquittoProcess();
        await broker.StartAsync();
        await using var node = new NodeFactory(provider, new Dictionary<string, string?>
        {
            ["SensorBridge:Enabled"] = "true",
            ["SensorBridge:Broker"] = "External",
            ["SensorBridge:External:Host"] = "127.0.0.1",
            ["SensorBridge:External:Port"] = broker.Port.ToString(CultureInfo.InvariantCulture),
            ["SensorBridge:External:ClientId"] = $"bridge-{Guid.NewGuid():N}",
            ["SensorBridge:External:SharedGroup"] = MosquittoProcess.SharedGroup,
            ["SensorBridge:BatchDelayMilliseconds"] = "100",
            ["SensorBridge:ReorderWindowSeconds"] = "1",
            ["SensorBridge:SensorReloadSeconds"] = "1",
        });
        var sensors = await CanonicalSensorsAsync(node, Devices);
        await using var fleet = new DeviceFleet(broker.Port, sensors, TimeSpan.FromMilliseconds(40));
        fleet.Start();
        await Task.Delay(TimeSpan.FromSeconds(2));
        var dying = new List<(DateTime, DateTime)>();
        foreach (var (kill, down) in outages)
        {
            var signalled = DateTime.UtcNow;
            await broker.StopAsync(kill);
            // SIGTERM: mosquitto saves everything on its way out, nothing acknowledged may be lost. SIGKILL: what it
            // acknowledged after its last save and the bridge had not stored yet is gone; that save is at most
            // MosquittoProcess.SaveAge old (docs/sensors.md).
            if (kill) dying.Add((signalled - MosquittoProcess.SaveAge, DateTime.UtcNow));
            await Task.Delay(TimeSpan.FromSeconds(down));
            await broker.StartAsync();
            await Task.Delay(TimeSpan.FromSeconds(3));
        }
        await fleet.StopAsync();

        await fleet.AssertStoredAsync(node.RowsAsync, dying);
    }

    /// <summary>
    /// Active sensors with an instrument, made canonical in the node's database before it starts (its bridge's first
    /// load of the sensors has them so); the bridge is subscribed when this returns.
    /// </summary>
    internal static async Task<IReadOnlyList<string>> CanonicalSensorsAsync(NodeFactory node, int count)
    {
        var ids = await NodeProcess.CanonicalSensorsAsync(node.Provider, node.ConnectionString, count);
        await node.Services.GetRequiredService<BridgeStatus>().WhenReceiving.WaitAsync(TimeSpan.FromSeconds(30));
        return ids;
    }
}

public sealed class SqliteBrokerFaultTests() : BrokerFaultTests(DatabaseProvider.Sqlite);

public sealed class PostgreSqlBrokerFaultTests() : BrokerFaultTests(DatabaseProvider.PostgreSql);
