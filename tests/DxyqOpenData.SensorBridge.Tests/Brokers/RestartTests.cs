using DxyqOpenData.SensorBridge.Brokers;
using DxyqOpenData.SensorBridge.Readings;
using DxyqOpenData.SensorBridge.Tests.Infrastructure;

namespace DxyqOpenData.SensorBridge.Tests.Brokers;

/// <summary>
/// No QoS 1 reading is lost when the bridge or the broker restarts mid-stream: the bridge's session at mosquitto is
/// persistent (clean start off, session expiry), a message is acknowledged only once stored, and mosquitto keeps
/// sessions and queued messages on disk. Devices are mosquitto_pub.
/// </summary>
public sealed class RestartTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"dxyq-mosquitto-{Guid.NewGuid():N}");
    private readonly string _clientId = $"bridge-{Guid.NewGuid():N}";
    private static readonly Dictionary<string, SensorInfo> Sensors = Enumerable.Range(0, 4)
        .ToDictionary(i => $"S{i}", i => new SensorInfo($"S{i}", $"I{i}", "csv-line", TimeSpan.FromMinutes(5)));
    private readonly long _epoch = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 3600;

    public void Dispose()
    {
        try { Directory.Delete(_dataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private Task<BridgeHost> StartBridgeAsync(MemorySink sink, int port) =>
        BridgeHost.StartAsync(sink, new Dictionary<string, string?>
        {
            ["SensorBridge:Broker"] = "External",
            ["SensorBridge:External:Host"] = "127.0.0.1",
            ["SensorBridge:External:Port"] = port.ToString(),
            ["SensorBridge:External:ClientId"] = _clientId,
            ["SensorBridge:External:SharedGroup"] = "restart",
        });

    /// <summary>Readings seq in [from, to) of every sensor, each device's in order.</summary>
    private Task PublishAsync(Mosquitto broker, int from, int to) => Task.WhenAll(Sensors.Keys.Select(async id =>
    {
        for (var seq = from; seq < to; seq++)
        {
            await broker.PublishAsync(Topics.Telemetry(id), $"{seq},{_epoch + 60 * seq},running,{100 + seq}");
        }
    }));

    private static void AssertExactly(MemorySink sink, int count)
    {
        var expected = Sensors.Keys.SelectMany(id => Enumerable.Range(0, count).Select(seq => (id, (long?)seq))).OrderBy(x => x).ToList();
        Assert.Equal(expected, sink.Readings.Select(r => (r.SensorId, r.Seq)).Distinct().OrderBy(x => x).ToList());
    }

    [Fact]
    public async Task A_bridge_restarted_mid_stream_gets_what_was_published_while_it_was_away()
    {
        using var broker = await Mosquitto.StartAsync();
        var sink = new MemorySink(Sensors);
        var first = await StartBridgeAsync(sink, broker.Port);
        await first.Status.WhenReceiving.WaitAsync(TimeSpan.FromSeconds(30));
        await PublishAsync(broker, 0, 5);
        await sink.WaitUntilAsync(s => s.Readings.Count >= Sensors.Count * 5, 30);
        await first.DisposeAsync();

        await PublishAsync(broker, 5, 10); // queued in the bridge's session while it is away

        await using var second = await StartBridgeAsync(sink, broker.Port);
        await second.Status.WhenReceiving.WaitAsync(TimeSpan.FromSeconds(30));
        await PublishAsync(broker, 10, 15);
        await sink.WaitUntilAsync(s => s.Readings.Select(r => (r.SensorId, r.Seq)).Distinct().Count() >= Sensors.Count * 15, 30);
        AssertExactly(sink, 15);
    }

    [Fact]
    public async Task A_broker_restarted_mid_stream_loses_no_queued_or_later_reading()
    {
        var port = Ports.Free();
        var broker = await Mosquitto.StartAsync(port, _dataDirectory);
        var sink = new MemorySink(Sensors);
        try
        {
            var bridge = await StartBridgeAsync(sink, port);
            await bridge.Status.WhenReceiving.WaitAsync(TimeSpan.FromSeconds(30));
            await PublishAsync(broker, 0, 5);
            await sink.WaitUntilAsync(s => s.Readings.Count >= Sensors.Count * 5, 30);

            // Messages queued for the bridge survive the broker's restart.
            await bridge.DisposeAsync();
            await PublishAsync(broker, 5, 10);
            await broker.StopGracefullyAsync();
            broker.Dispose();
            broker = await Mosquitto.StartAsync(port, _dataDirectory);
            await using var again = await StartBridgeAsync(sink, port);
            await again.Status.WhenReceiving.WaitAsync(TimeSpan.FromSeconds(30));
            await sink.WaitUntilAsync(s => s.Readings.Select(r => (r.SensorId, r.Seq)).Distinct().Count() >= Sensors.Count * 10, 30);

            // The broker restarted under a running bridge: it reconnects (backoff from 1 s) and carries on.
            await broker.StopGracefullyAsync();
            broker.Dispose();
            broker = await Mosquitto.StartAsync(port, _dataDirectory);
            await Task.Delay(TimeSpan.FromSeconds(4)); // the bridge's monitoring loop reconnects and resubscribes
            await PublishAsync(broker, 10, 15);
            await sink.WaitUntilAsync(s => s.Readings.Select(r => (r.SensorId, r.Seq)).Distinct().Count() >= Sensors.Count * 15, 30);
            AssertExactly(sink, 15);
        }
        finally
        {
            broker.Dispose();
        }
    }
}
