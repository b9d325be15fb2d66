using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Sensors;
using DxyqOpenData.Api.UsageSessions;
using DxyqOpenData.SensorBridge;
using DxyqOpenData.SensorBridge.Brokers;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace DxyqOpenData.Tests.Sensors;

/// <summary>A whole node with its embedded MQTT broker on a free port, on a SQLite demo database.</summary>
public sealed class BridgeNode() : NodeFactory(DatabaseProvider.Sqlite, new Dictionary<string, string?>
{
    ["SensorBridge:Enabled"] = "true",
    ["SensorBridge:Broker"] = "Embedded",
    ["SensorBridge:Embedded:Port"] = FreePort().ToString(CultureInfo.InvariantCulture),
    ["SensorBridge:BatchDelayMilliseconds"] = "100",
    ["SensorBridge:ReorderWindowSeconds"] = "1",
    ["SensorBridge:SensorReloadSeconds"] = "1",
    // One bridge: its readings reach the sessions in the order they were stored whatever the settling time, which only
    // orders several bridges' batches (docs/sensors.md, "Several bridges"); with none, and the sessions stored every
    // second, they show up without a wait of 10 + 5 s.
    ["SensorBridge:SessionSettleMilliseconds"] = "0",
    ["SensorBridge:RunStateIntervalSeconds"] = "1",
})
{
    public int Port => int.Parse(Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()["SensorBridge:Embedded:Port"]!, CultureInfo.InvariantCulture);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// Devices (an MQTTnet client, and mosquitto_pub as an independent one) publish to the node's embedded broker; what they
/// report comes out over OData, SQL, the admin dead-letter route and /metrics.
/// </summary>
public sealed class NodeMqttTests(BridgeNode node) : IClassFixture<BridgeNode>
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(30);

    /// <summary>Two sensors on published instruments with no session open, made canonical, each with a fresh secret.</summary>
    private async Task<(string Id, Guid Instrument, string Secret)[]> DevicesAsync(int count)
    {
        await using var scope = node.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
        var open = db.UsageSessions.IgnoreQueryFilters().Where(s => s.EndReason == Api.UsageSessions.SessionEnd.Open && s.SensorId != null).Select(s => s.SensorId);
        var sensors = await db.Sensors
            .Where(s => s.Status == Api.Sensors.SensorStatus.Active && s.InstrumentId != null && !open.Contains(s.Id)
                && db.Instruments.Any(i => i.Id == s.InstrumentId && !i.IsConfidential))
            .OrderBy(s => s.Id).Take(count).ToListAsync();
        Assert.Equal(count, sensors.Count);
        var devices = new List<(string, Guid, string)>();
        foreach (var sensor in sensors)
        {
            // As `sensors secret SENSORID` does it (the context does not track queries).
            var secret = SensorSecrets.NewSecret();
            var hash = SensorSecrets.Hash(secret);
            await db.Sensors.Where(s => s.Id == sensor.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.Format, "canonical").SetProperty(x => x.SecretHash, hash));
            devices.Add((sensor.Id, sensor.InstrumentId!.Value, secret));
        }
        await node.Services.GetRequiredService<BridgeStatus>().WhenReceiving.WaitAsync(TimeSpan.FromSeconds(30));
        // The bridge reloads its sensors every second (SensorReloadSeconds=1): once the broker takes a device's new
        // secret, the bridge has its sensor as updated (secret and format come in the same reload).
        foreach (var (id, _, secret) in devices)
        {
            await EventuallyAsync(async () =>
            {
                using var client = new MqttClientFactory().CreateMqttClient();
                try
                {
                    if ((await client.ConnectAsync(Options(id, secret))).ResultCode != MqttClientConnectResultCode.Success) return null;
                }
                catch (MQTTnet.Adapter.MqttConnectingFailedException) { return null; } // refused: the old secret still counts
                await client.DisconnectAsync();
                return "";
            }, $"the broker taking {id}'s new secret", 10);
        }
        return [.. devices];
    }

    private static DateTime Start()
    {
        var start = DateTime.UtcNow.AddHours(-1);
        return start.AddTicks(-(start.Ticks % TimeSpan.TicksPerSecond));
    }

    /// <summary>Running every 30 s for half an hour, then standby: one session of exactly 0.5 h.</summary>
    private static List<string> HalfHourRun(DateTime start)
    {
        var lines = new List<string>();
        for (var i = 0; i < 60; i++)
        {
            lines.Add(Canonical(start + i * Step, "running", i + 1, 1500));
        }
        lines.Add(Canonical(start.AddMinutes(30), "standby", 61, 40));
        return lines;
    }

    private static string Canonical(DateTime at, string state, long seq, double powerW) =>
        $$"""{"timestamp":"{{at.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)}}","state":"{{state}}","powerW":{{powerW.ToString(CultureInfo.InvariantCulture)}},"seq":{{seq}}}""";

    private async Task<IMqttClient> ConnectAsync(string sensorId, string secret)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(Options(sensorId, secret));
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        return client;
    }

    private MqttClientOptions Options(string sensorId, string secret) => new MqttClientOptionsBuilder()
        .WithTcpServer("127.0.0.1", node.Port)
        .WithClientId($"device-{sensorId}-{Guid.NewGuid():N}")
        .WithCredentials(sensorId, secret)
        .WithProtocolVersion(MqttProtocolVersion.V500)
        .Build();

    private static Task<MqttClientPublishResult> PublishAsync(IMqttClient client, string topic, byte[] payload) =>
        client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    /// <summary>mosquitto_pub -l: one message per line of standard input, QoS 1, in order.</summary>
    private async Task MosquittoPublishAsync(string sensorId, string secret, IEnumerable<string> lines)
    {
        using var pub = Process.Start(new ProcessStartInfo("mosquitto_pub",
            ["-h", "127.0.0.1", "-p", node.Port.ToString(CultureInfo.InvariantCulture), "-q", "1", "-V", "mqttv5",
             "-i", $"pub-{sensorId}", "-u", sensorId, "-P", secret, "-t", Topics.Telemetry(sensorId), "-l"])
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
        })!;
        foreach (var line in lines)
        {
            await pub.StandardInput.WriteLineAsync(line);
        }
        pub.StandardInput.Close();
        var error = await pub.StandardError.ReadToEndAsync();
        await pub.WaitForExitAsync();
        Assert.True(pub.ExitCode == 0, $"mosquitto_pub failed: {error}");
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, string what, int seconds = 30) where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            if (await probe() is { } found) return found;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited {seconds} s for {what}");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Readings_from_two_device_clients_become_sessions_run_states_raw_readings_and_rollups()
    {
        var devices = await DevicesAsync(2);
        var (mqttnetSensor, mqttnetInstrument, mqttnetSecret) = devices[0];
        var (mosquittoSensor, mosquittoInstrument, mosquittoSecret) = devices[1];
        var start = Start();
        var run = HalfHourRun(start);

        using (var device = await ConnectAsync(mqttnetSensor, mqttnetSecret))
        {
            foreach (var line in run)
            {
                var result = await PublishAsync(device, Topics.Telemetry(mqttnetSensor), Encoding.UTF8.GetBytes(line));
                Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
            }
        }
        await MosquittoPublishAsync(mosquittoSensor, mosquittoSecret, run);

        var http = node.CreateClient();
        foreach (var (sensor, instrument) in new[] { (mqttnetSensor, mqttnetInstrument), (mosquittoSensor, mosquittoInstrument) })
        {
            var sessions = await EventuallyAsync(async () =>
            {
                var page = await http.GetJsonAsync($"/odata/UsageSessions?$filter=sensorId eq '{sensor}' and startedAt ge {start.AddSeconds(-1):yyyy-MM-ddTHH:mm:ssZ}");
                return page.Values().Count > 0 && page.Values()[0]!["endReason"]!.GetValue<string>() != "open" ? page.Values() : null;
            }, $"a closed session of {sensor}");
            var session = Assert.Single(sessions)!;
            Assert.Equal(0.5, session["hours"]!.GetValue<double>(), 6);
            Assert.Equal("stateChange", session["endReason"]!.GetValue<string>());
            Assert.Equal("sensor", session["source"]!.GetValue<string>());
            Assert.Equal(instrument, Guid.Parse(session["instrumentId"]!.GetValue<string>()));

            var found = (await http.GetJsonAsync($"/odata/Instruments?$filter=id eq {instrument}&$select=runState,lastSeenAt")).Values().Single()!;
            Assert.Equal("standby", found["runState"]!.GetValue<string>());
            Assert.Equal(start.AddMinutes(30), DateTimeOffset.Parse(found["lastSeenAt"]!.GetValue<string>(), CultureInfo.InvariantCulture).UtcDateTime);

            // Raw readings and the daily rollup (a half hour may straddle midnight in Beijing: summed over days).
            Assert.Equal(61L, await node.ScalarAsync<long>($"SELECT COUNT(*) FROM sensor_readings WHERE sensor_id = '{sensor}'"));
            Assert.Equal("standby", await node.ScalarAsync<string>($"SELECT state FROM sensor_readings WHERE sensor_id = '{sensor}' AND seq = 61"));
            await using var scope = node.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
            var rollups = await db.InstrumentDailyUsage.AsNoTracking().Where(u => u.InstrumentId == instrument).ToListAsync();
            Assert.Equal(0.5, rollups.Sum(u => u.RunningHours), 6);
            Assert.Equal(61L, rollups.Sum(u => u.Readings));
        }
    }

    [Fact]
    public async Task A_device_cannot_publish_to_another_sensors_topic_and_garbage_is_dead_lettered_for_administrators_and_metrics()
    {
        var devices = await DevicesAsync(4);
        var (sensor, _, secret) = devices[2];
        var (other, _, _) = devices[3];
        using var device = await ConnectAsync(sensor, secret);

        var refused = await PublishAsync(device, Topics.Telemetry(other), Encoding.UTF8.GetBytes(Canonical(Start(), "running", 1, 1)));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, refused.ReasonCode);

        byte[] garbage = [0x7B, 0x00, 0xFF, 0x42, 0x13];
        Assert.Equal(MqttClientPublishReasonCode.Success, (await PublishAsync(device, Topics.Telemetry(sensor), garbage)).ReasonCode);
        // The bridge keeps running: a good reading after the garbage is stored.
        await PublishAsync(device, Topics.Telemetry(sensor), Encoding.UTF8.GetBytes(Canonical(Start(), "off", 1, 0)));

        var anonymous = node.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/sensors/dead-letters")).StatusCode);
        var admin = node.WithToken(await anonymous.TokenAsync(await node.AddClientAsync("admin", name: "sensors-admin")));
        var letter = await EventuallyAsync(async () =>
        {
            var list = await admin.GetJsonAsync("/api/v1/sensors/dead-letters?top=50");
            return list["value"]!.AsArray().Select(v => v!.AsObject()).FirstOrDefault(v => v["topic"]!.GetValue<string>() == Topics.Telemetry(sensor));
        }, "the garbage payload among the dead letters");
        Assert.Equal("malformed", letter["reason"]!.GetValue<string>());
        // The refused publish too: stored like any other dead letter, under the topic it tried.
        var forbidden = await EventuallyAsync(async () =>
        {
            var list = await admin.GetJsonAsync("/api/v1/sensors/dead-letters?top=50");
            return list["value"]!.AsArray().Select(v => v!.AsObject()).FirstOrDefault(v => v["topic"]!.GetValue<string>() == Topics.Telemetry(other));
        }, "the refused publish among the dead letters");
        Assert.Equal("forbiddenTopic", forbidden["reason"]!.GetValue<string>());
        Assert.Equal(Convert.ToBase64String(garbage), letter["payload"]!.GetValue<string>());
        Assert.NotNull(letter["receivedAt"]);
        await EventuallyAsync(async () => await node.ScalarAsync<long>($"SELECT COUNT(*) FROM sensor_readings WHERE sensor_id = '{sensor}'") == 1 ? "" : null, "the good reading after the garbage");
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/api/v1/sensors/dead-letters?top=0")).StatusCode);

        var metrics = await anonymous.GetStringAsync("/metrics");
        Assert.Contains("dxyq_sensor_bridge_dead_letters_total{reason=\"malformed\"}", metrics);
        Assert.Contains("dxyq_sensor_bridge_dead_letters_total{reason=\"forbiddenTopic\"}", metrics);
        Assert.Contains("# TYPE dxyq_sensor_bridge_messages_received_total counter", metrics);
        Assert.Contains("# TYPE dxyq_sensor_bridge_readings_total counter", metrics);

        var ready = await anonymous.GetStringAsync("/health/ready");
        Assert.Contains(SensorBridgeReadyCheck.Name, ready);
    }
}
