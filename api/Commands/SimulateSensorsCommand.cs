using System.Diagnostics;
using System.Globalization;
using System.Text;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Sensors;
using DxyqOpenData.SensorBridge.Adapters;
using DxyqOpenData.SensorBridge.Brokers;
using DxyqOpenData.SensorBridge.Readings;
using Microsoft.EntityFrameworkCore;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace DxyqOpenData.Api.Commands;

/// <summary>
/// <c>simulate-sensors --count N --interval S --broker HOST:PORT [--duration SECONDS]</c>: N of the database's active
/// sensors (by id) become simulated devices. Each gets a fresh MQTT secret (only its hash is stored, as with
/// <c>sensors secret</c>), connects with its sensor id as user name, and every S seconds publishes a reading in its
/// registered vendor format. Instruments run more by day than by night (China Standard Time); about one in ten devices
/// is idle (never runs) and one in twenty flaky (garbage, bad CRCs, dropping off the line for a while). Runs until
/// --duration has passed or Ctrl+C; prints a JSON summary on standard output.
/// </summary>
internal static class SimulateSensorsCommand
{
    public static readonly string[] Options = ["--count", "--interval", "--broker", "--duration", "--seed"];

    private const string Usage = "usage: simulate-sensors --count N --interval SECONDS --broker HOST:PORT [--duration SECONDS] [--seed N]";

    public static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        if (!TryParse(args, out var settings, out var error))
        {
            await Console.Error.WriteLineAsync(error);
            await Console.Error.WriteLineAsync(Usage);
            return 2;
        }
        if (app.Services.GetRequiredService<DatabaseOptions>().MigrateOnStartup)
        {
            await DatabaseSetup.MigrateAsync(app.Services);
        }
        var devices = await PrepareAsync(app.Services, settings);
        if (devices.Count == 0)
        {
            await Console.Error.WriteLineAsync("no active sensors with an instrument in the database (is the demo data loaded?)");
            return 1;
        }
        await Console.Error.WriteLineAsync(
            $"Simulating {devices.Count} sensors every {settings.Interval.TotalSeconds:0.###} s against {settings.Host}:{settings.Port}. " +
            "New secrets are stored now; a running bridge accepts them at its next sensor reload (SensorBridge:SensorReloadSeconds), until then devices retry.");

        using var stop = settings.Duration is { } duration ? new CancellationTokenSource(duration) : new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; stop.Cancel(); };
        Console.CancelKeyPress += onCancel;
        var stats = new Stats();
        var watch = Stopwatch.StartNew();
        try
        {
            var progress = ReportAsync(stats, watch, stop.Token);
            await Task.WhenAll(devices.Select(d => RunDeviceAsync(d, settings, stats, stop.Token)));
            await progress;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
        await Console.Out.WriteLineAsync(
            $$"""{"sensors":{{devices.Count}},"published":{{stats.Published}},"garbage":{{stats.Garbage}},"failed":{{stats.Failed}},"seconds":{{watch.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)}}}""");
        return 0;
    }

    internal sealed record Settings(int Count, TimeSpan Interval, string Host, int Port, TimeSpan? Duration, int Seed);

    internal enum Behaviour { Normal, Idle, Flaky }

    internal sealed record Device(string SensorId, string Format, string Secret, Behaviour Behaviour, Random Random);

    private sealed class Stats
    {
        public long Published, Garbage, Failed;
    }

    internal static bool TryParse(string[] args, out Settings settings, out string error)
    {
        settings = null!;
        error = "";
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!Options.Contains(args[i]) || i + 1 >= args.Length)
            {
                error = $"unexpected argument '{args[i]}'";
                return false;
            }
            values[args[i]] = args[++i];
        }
        if (!values.TryGetValue("--count", out var countText) || !int.TryParse(countText, CultureInfo.InvariantCulture, out var count) || count < 1)
        {
            error = "--count must be a positive number";
            return false;
        }
        if (!values.TryGetValue("--interval", out var intervalText) || !double.TryParse(intervalText, CultureInfo.InvariantCulture, out var interval) || interval <= 0)
        {
            error = "--interval must be a positive number of seconds";
            return false;
        }
        var broker = values.GetValueOrDefault("--broker", "localhost:1883");
        var colon = broker.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(broker[(colon + 1)..], CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            error = "--broker must be HOST:PORT";
            return false;
        }
        TimeSpan? duration = null;
        if (values.TryGetValue("--duration", out var durationText))
        {
            if (!double.TryParse(durationText, CultureInfo.InvariantCulture, out var seconds) || seconds <= 0)
            {
                error = "--duration must be a positive number of seconds";
                return false;
            }
            duration = TimeSpan.FromSeconds(seconds);
        }
        var seed = values.TryGetValue("--seed", out var seedText) && int.TryParse(seedText, CultureInfo.InvariantCulture, out var s) ? s : 42;
        settings = new Settings(count, TimeSpan.FromSeconds(interval), broker[..colon], port, duration, seed);
        return true;
    }

    /// <summary>The first N active sensors with an instrument, each with a fresh secret stored as its hash.</summary>
    private static async Task<List<Device>> PrepareAsync(IServiceProvider services, Settings settings)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
        var sensors = await db.Sensors.Where(s => s.Status == Sensors.SensorStatus.Active && s.InstrumentId != null)
            .OrderBy(s => s.Id).Take(settings.Count).Select(s => new { s.Id, s.Format }).ToListAsync();
        var devices = new List<Device>(sensors.Count);
        await using var transaction = await db.Database.BeginTransactionAsync();
        foreach (var sensor in sensors)
        {
            var secret = SensorSecrets.NewSecret();
            var hash = SensorSecrets.Hash(secret);
            await db.Sensors.Where(s => s.Id == sensor.Id).ExecuteUpdateAsync(s => s.SetProperty(x => x.SecretHash, hash));
            var random = new Random(HashCode.Combine(settings.Seed, StringComparer.Ordinal.GetHashCode(sensor.Id)));
            var roll = random.NextDouble();
            var behaviour = roll < 0.10 ? Behaviour.Idle : roll < 0.15 ? Behaviour.Flaky : Behaviour.Normal;
            devices.Add(new Device(sensor.Id, sensor.Format, secret, behaviour, random));
        }
        await transaction.CommitAsync();
        return devices;
    }

    private static async Task RunDeviceAsync(Device device, Settings settings, Stats stats, CancellationToken stop)
    {
        var random = device.Random;
        var model = new UsageModel(device.Behaviour, random);
        long seq = random.Next(1, 1000);
        using var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(settings.Host, settings.Port)
            .WithClientId($"sim-{device.SensorId}")
            .WithCredentials(device.SensorId, device.Secret)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart()
            .Build();
        try
        {
            // Spread the devices over the first interval.
            await Task.Delay(TimeSpan.FromSeconds(random.NextDouble() * settings.Interval.TotalSeconds), stop);
            var silentUntil = DateTime.MinValue;
            while (!stop.IsCancellationRequested)
            {
                var now = DateTime.UtcNow;
                var state = model.Next(now, settings.Interval);
                if (device.Behaviour == Behaviour.Flaky && now >= silentUntil && random.NextDouble() < 0.01)
                {
                    silentUntil = now.AddMinutes(random.Next(5, 20)); // off the line (longer than any heartbeat)
                    if (client.IsConnected) await client.DisconnectAsync(cancellationToken: CancellationToken.None);
                }
                if (now >= silentUntil)
                {
                    if (!client.IsConnected && !await TryConnectAsync(client, options, stop)) continue;
                    var garbage = device.Behaviour == Behaviour.Flaky && random.NextDouble() < 0.05;
                    var payload = garbage ? Garbage(device.Format, random, seq, now) : Payload(device.Format, seq, now, state, model.PowerW(state));
                    seq++;
                    try
                    {
                        await client.PublishAsync(new MqttApplicationMessageBuilder()
                            .WithTopic(Topics.Telemetry(device.SensorId))
                            .WithPayload(payload)
                            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                            .Build(), stop);
                        Interlocked.Increment(ref stats.Published);
                        if (garbage) Interlocked.Increment(ref stats.Garbage);
                    }
                    catch (Exception) when (!stop.IsCancellationRequested)
                    {
                        Interlocked.Increment(ref stats.Failed);
                    }
                }
                await Task.Delay(settings.Interval, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        if (client.IsConnected)
        {
            try { await client.DisconnectAsync(cancellationToken: CancellationToken.None); } catch (Exception) { }
        }
    }

    /// <summary>Connects, or waits a little (the bridge may not know the new secret until its next sensor reload).</summary>
    private static async Task<bool> TryConnectAsync(IMqttClient client, MqttClientOptions options, CancellationToken stop)
    {
        try
        {
            var result = await client.ConnectAsync(options, stop);
            if (result.ResultCode == MqttClientConnectResultCode.Success) return true;
        }
        catch (Exception) when (!stop.IsCancellationRequested)
        {
        }
        await Task.Delay(TimeSpan.FromSeconds(5), stop);
        return false;
    }

    /// <summary>
    /// Runs and pauses as a two-state chain: by day (08:00-20:00 Beijing time) a pause lasts about 40 minutes, by night
    /// about 8 hours; a run about 50 minutes. Idle devices stay in standby or off.
    /// </summary>
    internal sealed class UsageModel(Behaviour behaviour, Random random)
    {
        private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);
        private RunStateKind _state = behaviour == Behaviour.Idle ? RunStateKind.Off : RunStateKind.Standby;
        private readonly double _ratedW = 200 + random.NextDouble() * 3000;
        private bool _started;

        public RunStateKind Next(DateTime utc, TimeSpan interval)
        {
            if (behaviour == Behaviour.Idle)
            {
                if (random.NextDouble() < 0.01) _state = _state == RunStateKind.Off ? RunStateKind.Standby : RunStateKind.Off;
                return _state;
            }
            var hour = (utc + Beijing).Hour;
            var day = hour is >= 8 and < 20;
            var meanPause = day ? TimeSpan.FromMinutes(40) : TimeSpan.FromHours(8);
            var meanRun = TimeSpan.FromMinutes(50);
            if (!_started)
            {
                // Start in the chain's steady state, so machine hours grow from the first minutes of a demo.
                _started = true;
                if (random.NextDouble() < meanRun / (meanRun + meanPause)) _state = RunStateKind.Running;
            }
            var change = _state == RunStateKind.Running ? interval / meanRun : interval / meanPause;
            if (random.NextDouble() < change)
            {
                _state = _state == RunStateKind.Running ? (random.NextDouble() < 0.7 ? RunStateKind.Standby : RunStateKind.Off) : RunStateKind.Running;
            }
            return _state;
        }

        public double? PowerW(RunStateKind state) => state switch
        {
            RunStateKind.Running => Math.Round(_ratedW * (0.8 + random.NextDouble() * 0.3), 1),
            RunStateKind.Standby => Math.Round(_ratedW * 0.05, 1),
            _ => 0,
        };
    }

    /// <summary>One reading in the sensor's vendor format (docs/sensors.md).</summary>
    internal static byte[] Payload(string format, long seq, DateTime utc, RunStateKind state, double? powerW)
    {
        var name = state.ToString().ToLowerInvariant();
        var watts = powerW?.ToString("0.0", CultureInfo.InvariantCulture);
        return format switch
        {
            "acme-json" => Encoding.UTF8.GetBytes(AcmeJson(seq, utc, state, powerW)),
            "csv-line" => Encoding.UTF8.GetBytes($"{seq},{new DateTimeOffset(utc).ToUnixTimeSeconds()},{name},{watts}\n"),
            "pm-binary" => PmBinaryAdapter.Encode((uint)seq, utc, state, powerW),
            _ => Encoding.UTF8.GetBytes(
                $$"""{"timestamp":"{{(utc + TimeSpan.FromHours(8)).ToString("yyyy-MM-ddTHH:mm:ss.fff", CultureInfo.InvariantCulture)}}+08:00","state":"{{name}}","powerW":{{watts ?? "null"}},"seq":{{seq}}}"""),
        };
    }

    private static string AcmeJson(long seq, DateTime utc, RunStateKind state, double? powerW)
    {
        const double volts = 220, powerFactor = 0.9;
        var amps = (powerW ?? 0) / (volts * powerFactor);
        var status = state switch { RunStateKind.Off => 0, RunStateKind.Standby => 1, _ => 2 };
        return $$"""{"ts":{{new DateTimeOffset(utc).ToUnixTimeMilliseconds()}},"status":{{status}},"v":{{volts.ToString("0.0", CultureInfo.InvariantCulture)}},"i":{{amps.ToString("0.000", CultureInfo.InvariantCulture)}},"pf":{{powerFactor.ToString("0.0", CultureInfo.InvariantCulture)}},"sn":{{seq}}}""";
    }

    /// <summary>What flaky devices send now and then: a frame with a bad CRC, truncated JSON, a time without an offset.</summary>
    internal static byte[] Garbage(string format, Random random, long seq, DateTime utc)
    {
        if (format == "pm-binary")
        {
            var frame = PmBinaryAdapter.Encode((uint)seq, utc, RunStateKind.Running, 1000);
            frame[^1] ^= 0x5A;
            return frame;
        }
        return random.Next(3) switch
        {
            0 => Encoding.UTF8.GetBytes("{\"timestamp\":\"2026-03-01T08:00:00\",\"state\":\"running\"}"),
            1 => Encoding.UTF8.GetBytes("{\"ts\":"),
            _ => [0xFF, 0xFE, 0x00, (byte)random.Next(256)],
        };
    }

    private static async Task ReportAsync(Stats stats, Stopwatch watch, CancellationToken stop)
    {
        long last = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(10), stop);
                var published = Interlocked.Read(ref stats.Published);
                await Console.Error.WriteLineAsync(
                    $"{watch.Elapsed:hh\\:mm\\:ss} published {published} ({(published - last) / 10.0:0.0}/s), garbage {Interlocked.Read(ref stats.Garbage)}, failed {Interlocked.Read(ref stats.Failed)}");
                last = published;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }
}
