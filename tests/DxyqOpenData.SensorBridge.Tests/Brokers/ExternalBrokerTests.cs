using DxyqOpenData.SensorBridge.Brokers;
using DxyqOpenData.SensorBridge.Readings;
using DxyqOpenData.SensorBridge.Tests.Infrastructure;

namespace DxyqOpenData.SensorBridge.Tests.Brokers;

/// <summary>
/// The External mode against a real mosquitto, devices played by mosquitto_pub: two bridges on one shared
/// subscription split the stream, every message processed exactly once between them.
/// </summary>
public sealed class ExternalBrokerTests
{
    private static Dictionary<string, SensorInfo> Sensors(int count) => Enumerable.Range(0, count)
        .ToDictionary(i => $"S{i}", i => new SensorInfo($"S{i}", $"I{i}", "csv-line", TimeSpan.FromMinutes(5)));

    private static Task<BridgeHost> StartBridgeAsync(MemorySink sink, int port, string clientId) =>
        BridgeHost.StartAsync(sink, new Dictionary<string, string?>
        {
            ["SensorBridge:Broker"] = "External",
            ["SensorBridge:External:Host"] = "127.0.0.1",
            ["SensorBridge:External:Port"] = port.ToString(),
            ["SensorBridge:External:ClientId"] = clientId,
            ["SensorBridge:External:SharedGroup"] = "test",
        });

    [Fact]
    public async Task Two_bridges_on_a_shared_subscription_process_every_message_exactly_once()
    {
        using var broker = await Mosquitto.StartAsync();
        var sensors = Sensors(20);
        var (sinkA, sinkB) = (new MemorySink(sensors), new MemorySink(sensors));
        await using var bridgeA = await StartBridgeAsync(sinkA, broker.Port, $"bridge-a-{Guid.NewGuid():N}");
        await using var bridgeB = await StartBridgeAsync(sinkB, broker.Port, $"bridge-b-{Guid.NewGuid():N}");
        // Both connected and subscribed: a QoS 1 message published before that has no session to wait in.
        await Task.WhenAll(bridgeA.Status.WhenReceiving, bridgeB.Status.WhenReceiving).WaitAsync(TimeSpan.FromSeconds(30));

        var epoch = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 3600;
        const int perSensor = 5;
        // Sensors in parallel, each device's readings in order (as a device sends them): with no reorder window a
        // reading that overtook a later one would count as late.
        await Task.WhenAll(sensors.Keys.Select(async id =>
        {
            for (var seq = 0; seq < perSensor; seq++)
            {
                await broker.PublishAsync(Topics.Telemetry(id), $"{seq},{epoch + 60 * seq},running,{100 + seq}");
            }
        }));

        var expected = sensors.Count * perSensor;
        await new MemorySink(sensors).WaitUntilAsync(_ => sinkA.Readings.Count + sinkB.Readings.Count >= expected, 30);
        await Task.Delay(500); // nothing extra arrives late

        var all = sinkA.Readings.Concat(sinkB.Readings).Select(r => (r.SensorId, r.Seq)).ToList();
        Assert.Equal(expected, all.Count);
        Assert.Equal(expected, all.Distinct().Count());
        Assert.NotEmpty(sinkA.Readings);
        Assert.NotEmpty(sinkB.Readings);
    }
}
