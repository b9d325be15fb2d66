using DxyqOpenData.SensorBridge.Adapters;
using DxyqOpenData.SensorBridge.Brokers;
using DxyqOpenData.SensorBridge.Processing;
using DxyqOpenData.SensorBridge.Readings;
using DxyqOpenData.SensorBridge.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace DxyqOpenData.SensorBridge.Tests.Brokers;

/// <summary>Devices publish over MQTT to the embedded broker; batches come out at the sink.</summary>
public sealed class EmbeddedBrokerTests : IAsyncLifetime
{
    private const string Secret1 = "secret-of-s1", Secret2 = "secret-of-s2";
    private readonly int _port = Ports.Free();
    private readonly MemorySink _sink = new(new Dictionary<string, SensorInfo>
    {
        ["S1"] = new("S1", "I1", "canonical", TimeSpan.FromMinutes(1), SensorSecrets.Hash(Secret1)),
        ["S2"] = new("S2", "I2", "pm-binary", TimeSpan.FromMinutes(1), SensorSecrets.Hash(Secret2)),
    });
    private BridgeHost _bridge = null!;

    public async Task InitializeAsync() => _bridge = await BridgeHost.StartAsync(_sink, new Dictionary<string, string?>
    {
        ["SensorBridge:Broker"] = "Embedded",
        ["SensorBridge:Embedded:Port"] = _port.ToString(),
    });

    public async Task DisposeAsync() => await _bridge.DisposeAsync();

    private async Task<IMqttClient> ConnectAsync(string sensorId, string secret)
    {
        var (client, result) = await TryConnectAsync(sensorId, secret);
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        return client;
    }

    private async Task<(IMqttClient, MqttClientConnectResult)> TryConnectAsync(string sensorId, string secret)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", _port)
            .WithClientId($"device-{sensorId}-{Guid.NewGuid():N}")
            .WithCredentials(sensorId, secret)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .Build());
        return (client, result);
    }

    private static Task<MqttClientPublishResult> PublishAsync(IMqttClient client, string topic, byte[] payload) =>
        client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    [Fact]
    public async Task Readings_become_a_session_at_the_sink()
    {
        using var device = await ConnectAsync("S1", Secret1);
        var start = DateTime.UtcNow.AddMinutes(-10);
        start = start.AddTicks(-(start.Ticks % TimeSpan.TicksPerSecond));
        for (var i = 0; i < 10; i++)
        {
            await PublishAsync(device, Topics.Telemetry("S1"), EngineDriver.Canonical(start.AddSeconds(30 * i), RunStateKind.Running, i));
        }
        await PublishAsync(device, Topics.Telemetry("S1"), EngineDriver.Canonical(start.AddSeconds(30 * 3), RunStateKind.Running, 3)); // a repeat
        await PublishAsync(device, Topics.Telemetry("S1"), EngineDriver.Canonical(start.AddMinutes(5), RunStateKind.Standby, 10));

        await _sink.WaitUntilAsync(s => s.Closed.Count == 1);
        var session = _sink.Closed.Single();
        Assert.Equal(("S1", "I1", start, start.AddMinutes(5), SessionEndReason.StateChange), (session.SensorId, session.InstrumentId, session.StartedAt, session.EndedAt, session.Reason));
        Assert.Equal(11, _sink.Readings.Count);
        Assert.Equal(RunStateKind.Standby, _sink.Batches.SelectMany(b => b.RunStates).Last().State);
    }

    [Fact]
    public async Task A_binary_frame_with_a_bad_crc_is_dead_lettered_and_the_next_good_one_read()
    {
        using var device = await ConnectAsync("S2", Secret2);
        var now = DateTime.UtcNow;
        var bad = PmBinaryAdapter.Encode(1, now, RunStateKind.Running, 2000);
        bad[^1] ^= 0xFF;
        await PublishAsync(device, Topics.Telemetry("S2"), bad);
        await PublishAsync(device, Topics.Telemetry("S2"), PmBinaryAdapter.Encode(2, now, RunStateKind.Running, 2000));

        await _sink.WaitUntilAsync(s => s.Readings.Count == 1);
        Assert.Equal(2L, _sink.Readings.Single().Seq);
        var letter = Assert.Single(_sink.Batches.SelectMany(b => b.DeadLetters));
        Assert.Equal(DeadLetterReasons.CrcMismatch, letter.Reason);
        Assert.Equal(bad, letter.Payload);
        Assert.Contains(_bridge.DeadLetters.Snapshot(), l => l.Reason == DeadLetterReasons.CrcMismatch);
    }

    [Fact]
    public async Task A_device_may_not_publish_to_another_sensors_topic()
    {
        using var device = await ConnectAsync("S1", Secret1);
        var result = await PublishAsync(device, Topics.Telemetry("S2"), PmBinaryAdapter.Encode(1, DateTime.UtcNow, RunStateKind.Running, 1));

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, result.ReasonCode);
        // Dead-lettered through the pipeline, so the sink stores it with a batch like any other dead letter.
        await _sink.WaitUntilAsync(s => s.Batches.SelectMany(b => b.DeadLetters).Any(l => l.Reason == DeadLetterReasons.ForbiddenTopic && l.Topic == Topics.Telemetry("S2")));
        Assert.Contains(_bridge.DeadLetters.Snapshot(), l => l.Reason == DeadLetterReasons.ForbiddenTopic && l.Topic == Topics.Telemetry("S2"));
        await Task.Delay(300);
        Assert.Empty(_sink.Readings);
    }

    [Fact]
    public async Task A_device_may_not_subscribe()
    {
        using var device = await ConnectAsync("S1", Secret1);
        var result = await device.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("dxyq/#").Build());
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, result.Items.Single().ResultCode);
    }

    [Theory]
    [InlineData("S1", "wrong")]
    [InlineData("S9", Secret1)]
    [InlineData("S1", "")]
    public async Task A_device_without_its_secret_cannot_connect(string sensorId, string secret)
    {
        var (client, result) = await TryConnectAsync(sensorId, secret);
        using (client)
        {
            Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, result.ResultCode);
            Assert.False(client.IsConnected);
        }
    }
}
