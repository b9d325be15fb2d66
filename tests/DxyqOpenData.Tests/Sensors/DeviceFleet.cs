using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using DxyqOpenData.SensorBridge.Brokers;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace DxyqOpenData.Tests.Sensors;

/// <summary>
/// Devices publishing canonical QoS 1 readings (seq 1, 2, …, 100 ms apart in their timestamps) as fast as a pace allows,
/// each an MQTTnet client of its own that reconnects when the broker goes away. Every reading is recorded as attempted
/// and, when the broker's PUBACK says success, as acknowledged: what the broker took responsibility for.
/// </summary>
public sealed class DeviceFleet(int port, IReadOnlyList<string> sensors, TimeSpan pace) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _devices = [];
    private readonly DateTime _start = DateTime.UtcNow.AddHours(-2);

    public ConcurrentBag<(string Sensor, long Seq)> Attempted { get; } = [];
    public ConcurrentBag<(string Sensor, long Seq)> Acknowledged { get; } = [];
    /// <summary>When each acknowledged reading's PUBACK arrived.</summary>
    public ConcurrentDictionary<(string Sensor, long Seq), DateTime> AcknowledgedAt { get; } = new();
    /// <summary>Why publishing failed, and how often (for a failing test's message).</summary>
    public ConcurrentDictionary<string, int> Failures { get; } = new();

    public void Start()
    {
        foreach (var sensor in sensors) _devices.Add(Task.Run(() => RunAsync(sensor, _stop.Token)));
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_devices);
    }

    private async Task RunAsync(string sensor, CancellationToken stop)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId($"device-{sensor}-{Guid.NewGuid():N}")
            .WithProtocolVersion(MqttProtocolVersion.V500).WithTimeout(TimeSpan.FromSeconds(2)).Build();
        var topic = Topics.Telemetry(sensor);
        long seq = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (!client.IsConnected)
                {
                    await client.ConnectAsync(options, stop);
                }
                seq++;
                var payload = Encoding.UTF8.GetBytes(
                    $$"""{"timestamp":"{{_start.AddMilliseconds(100 * seq).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)}}","state":"running","powerW":{{seq}},"seq":{{seq}}}""");
                Attempted.Add((sensor, seq));
                var result = await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), stop);
                if (result.ReasonCode == MqttClientPublishReasonCode.Success)
                {
                    AcknowledgedAt[(sensor, seq)] = DateTime.UtcNow;
                    Acknowledged.Add((sensor, seq));
                }
                await Task.Delay(pace, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                Failures.AddOrUpdate($"{e.GetType().Name}: {e.Message}", 1, (_, n) => n + 1);
                // The broker is gone (or going): not acknowledged; try again shortly.
                try { await Task.Delay(100, stop); } catch (OperationCanceledException) { break; }
            }
        }
        if (client.IsConnected)
        {
            try { await client.DisconnectAsync(); } catch (Exception) { }
        }
    }

    /// <summary>
    /// Acknowledged ⊆ stored ⊆ attempted, each stored once, by <paramref name="query"/> (SQL on the node's database),
    /// waiting up to a minute for the last batches. <paramref name="brokerLosing"/>: spans in which a killed broker may
    /// lose what it acknowledged (from its last save to its exit): a reading acknowledged then may be missing, and is
    /// what docs/sensors.md says mosquitto does not guarantee; every other acknowledged reading must be stored.
    /// </summary>
    public async Task AssertStoredAsync(Func<string, Task<List<object?[]>>> query, IReadOnlyList<(DateTime From, DateTime To)>? brokerLosing = null)
    {
        var slack = TimeSpan.FromMilliseconds(20); // the PUBACK's way from the broker to the device's clock
        var acknowledged = Acknowledged
            .Where(r => !(brokerLosing ?? []).Any(w => AcknowledgedAt[r] >= w.From && AcknowledgedAt[r] <= w.To + slack))
            .ToHashSet();
        var dying = Acknowledged.Count - acknowledged.Count;
        Assert.True(acknowledged.Count > 300, $"only {acknowledged.Count} readings acknowledged; failures: "
            + string.Join("; ", Failures.Select(f => $"{f.Value}× {f.Key}")));
        var list = string.Join(", ", sensors.Select(s => $"'{s}'"));
        List<(string, long)> stored = [];
        for (var deadline = DateTime.UtcNow.AddSeconds(60); ; await Task.Delay(500))
        {
            stored = [.. (await query($"SELECT sensor_id, seq FROM sensor_readings WHERE sensor_id IN ({list})"))
                .Select(r => ((string)r[0]!, Convert.ToInt64(r[1], CultureInfo.InvariantCulture)))];
            if (acknowledged.IsSubsetOf(stored) || DateTime.UtcNow > deadline) break;
        }
        var missing = acknowledged.Except(stored).OrderBy(r => r).ToList();
        var letters = missing.Count == 0 ? [] : await query("SELECT reason, COUNT(*) FROM sensor_dead_letters GROUP BY reason");
        Assert.True(missing.Count == 0, "dead letters: " + string.Join(", ", letters.Select(l => $"{l[0]} {l[1]}")) + "; " + $"{missing.Count} of {acknowledged.Count} acknowledged readings not stored, e.g. "
            + string.Join(", ", missing.Take(12).Select(m => $"{m} acknowledged {AcknowledgedAt[m]:HH:mm:ss.fff}")) + $"; {stored.Count} stored; {dying} acknowledged while a killed broker may lose them");
        Assert.Equal(stored.Count, stored.Distinct().Count());
        Assert.Empty(stored.Except(Attempted));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) await StopAsync();
        _stop.Dispose();
    }
}
