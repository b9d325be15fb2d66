using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Sensors;
using DxyqOpenData.SensorBridge;
using DxyqOpenData.SensorBridge.Brokers;
using DxyqOpenData.SensorBridge.Pipeline;
using DxyqOpenData.SensorBridge.Processing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace DxyqOpenData.Benchmarks.Sensors;

/// <summary>
/// N simulated sensors through a real broker (the embedded one, and mosquitto) into the node's SQLite database:
/// persisted readings per second, publish-to-persisted lag p50/p99, memory over the run; and in the same run the
/// broker's raw relay rate to a subscriber that only counts. See README.md.
/// </summary>
public static class SensorsBenchmark
{
    private const string Secret = "benchmark-secret";

    private sealed record Options(int Sensors, int Seconds, int Workers, string Brokers, int RelaySeconds);

    public static async Task<int> RunAsync(string[] args)
    {
        var options = Parse(args);
        Console.WriteLine($"# {options.Sensors} sensors, {options.Seconds} s per broker, {options.Workers} publishing workers, QoS 1, canonical JSON");
        Report.Columns();
        var ok = true;
        foreach (var broker in options.Brokers.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            ok &= await RunOneAsync(broker, options);
        }
        return ok ? 0 : 1;
    }

    private static Options Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2) values[args[i]] = args[i + 1];
        int Int(string name, int fallback) => values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return new Options(Int("--sensors", 11_000), Int("--seconds", 300), Int("--workers", 64),
            values.GetValueOrDefault("--brokers", "embedded,mosquitto"), Int("--relay-seconds", 20));
    }

    private static async Task<bool> RunOneAsync(string brokerKind, Options options)
    {
        var embedded = brokerKind == "embedded";
        using var mosquitto = embedded ? null : await MosquittoProcess.StartAsync();
        var brokerPort = embedded ? FreePort() : mosquitto!.Port;
        var sqlite = Path.Combine(Path.GetTempPath(), $"dxyq-bench-sensors-{Guid.NewGuid():N}.db");
        var timing = new TimingSink.Figures();
        // Outside a test project there is no solution-relative content root: the binaries' folder is it.
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_DXYQOPENDATA_API", AppContext.BaseDirectory);
        var node = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Production");
            b.UseSetting("Database:Provider", "Sqlite");
            b.UseSetting("Database:ConnectionString", $"Data Source={sqlite}");
            b.UseSetting("Demo:Enabled", "true");
            b.UseSetting("Demo:Scale", "0.02");
            b.UseSetting("Logging:LogLevel:Default", "Warning");
            b.UseSetting("Logging:Console:FormatterName", "simple");
            b.UseSetting("SensorBridge:Enabled", "true");
            b.UseSetting("SensorBridge:Broker", embedded ? "Embedded" : "External");
            b.UseSetting("SensorBridge:Embedded:Port", brokerPort.ToString(CultureInfo.InvariantCulture));
            b.UseSetting("SensorBridge:External:Host", "127.0.0.1");
            b.UseSetting("SensorBridge:External:Port", brokerPort.ToString(CultureInfo.InvariantCulture));
            b.UseSetting("SensorBridge:External:ClientId", $"bench-bridge-{Guid.NewGuid():N}");
            b.UseSetting("SensorBridge:ReorderWindowSeconds", "1");
            b.UseSetting("SensorBridge:BatchSize", "5000");
            b.UseSetting("SensorBridge:BatchDelayMilliseconds", "200");
            b.UseSetting("SensorBridge:SensorReloadSeconds", "2");
            b.ConfigureServices(services => services.AddScoped<ISensorSink>(sp =>
                new TimingSink(new SensorSink(sp.GetRequiredService<CatalogDbContext>(), sp.GetRequiredService<IOptions<SensorBridgeOptions>>()), timing)));
        });
        var ids = await AddSensorsAsync(node.Services, options.Sensors);
        await node.Services.GetRequiredService<BridgeStatus>().WhenReceiving.WaitAsync(TimeSpan.FromSeconds(60));
        await Task.Delay(3000); // the bridge reloads its sensors (SensorReloadSeconds=2)

        // The bridge: every sensor its own client, publishing as fast as the workers go.
        var clients = await ConnectAsync(ids, brokerPort, embedded);
        var published = await PublishAsync(clients, options.Workers, TimeSpan.FromSeconds(options.Seconds), memory: true);
        var drainUntil = DateTime.UtcNow.AddSeconds(30);
        while (Interlocked.Read(ref timing.Persisted) < published.Count && DateTime.UtcNow < drainUntil) await Task.Delay(200);
        await DisconnectAsync(clients);
        var persistedRate = timing.PersistedPerSecond;
        await node.DisposeAsync(); // the bridge stops before the relay runs on the same machine

        // The raw relay: the same publishers through a plain broker of the same kind to a subscriber that only counts.
        double relayRate;
        if (embedded)
        {
            var relayPort = FreePort();
            using var plain = new MqttServerFactory().CreateMqttServer(new MqttServerFactory().CreateServerOptionsBuilder()
                .WithDefaultEndpoint().WithDefaultEndpointPort(relayPort).Build());
            await plain.StartAsync();
            relayRate = await RelayAsync(ids, relayPort, options);
            await plain.StopAsync();
        }
        else
        {
            relayRate = await RelayAsync(ids, brokerPort, options);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" }) { try { File.Delete(sqlite + suffix); } catch (IOException) { } }

        var p50 = timing.Percentile(50);
        var p99 = timing.Percentile(99);
        var ratio = persistedRate / relayRate;
        var memoryFlat = published.MemoryEndMb <= published.MemoryMinuteMb * 1.2;
        Report.Line($"{brokerKind}: published readings/s", published.PerSecond.ToString("0", CultureInfo.InvariantCulture));
        Report.Line($"{brokerKind}: persisted readings/s (SQLite)", persistedRate.ToString("0", CultureInfo.InvariantCulture), null, null, ">= 20000", persistedRate >= 20_000);
        Report.Line($"{brokerKind}: bridge vs raw relay (readings/s)", persistedRate.ToString("0", CultureInfo.InvariantCulture), relayRate.ToString("0", CultureInfo.InvariantCulture), ratio.ToString("0.00", CultureInfo.InvariantCulture), ">= 0.50", ratio >= 0.5);
        Report.Line($"{brokerKind}: lag publish->persisted p50 (ms)", p50.ToString("0", CultureInfo.InvariantCulture));
        Report.Line($"{brokerKind}: lag publish->persisted p99 (ms)", p99.ToString("0", CultureInfo.InvariantCulture), null, null, "< 2000", p99 < 2000);
        Report.Line($"{brokerKind}: managed memory 1 min / end (MB)", $"{published.MemoryMinuteMb:0} / {published.MemoryEndMb:0}", null, null, "end <= 1.2 x 1 min", memoryFlat);
        Report.Line($"{brokerKind}: persisted / published", $"{timing.Persisted} / {published.Count}");
        return persistedRate >= 20_000 && ratio >= 0.5 && p99 < 2000 && memoryFlat;
    }

    private static async Task<List<string>> AddSensorsAsync(IServiceProvider services, int count)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
        var instruments = await db.Instruments.IgnoreQueryFilters().OrderBy(i => i.Id).Select(i => new { i.Id, i.UnitId }).Take(2000).ToListAsync();
        var hash = SensorSecrets.Hash(Secret);
        var ids = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var instrument = instruments[i % instruments.Count];
            var id = $"BENCH-{i:D6}";
            db.Sensors.Add(new Sensor
            {
                Id = id, UnitId = instrument.UnitId, InstrumentId = instrument.Id, Format = "canonical", HeartbeatSeconds = 300,
                Status = Api.Catalog.SensorStatus.Active, UpdatedAt = DateTime.UtcNow, SecretHash = hash,
            });
            ids.Add(id);
        }
        await db.SaveChangesAsync();
        return ids;
    }

    private sealed record Device(string SensorId, IMqttClient Client)
    {
        public long Seq;
    }

    private static async Task<List<Device>> ConnectAsync(IReadOnlyList<string> ids, int port, bool authenticated)
    {
        var devices = new ConcurrentBag<Device>();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (id, ct) =>
        {
            var client = new MqttClientFactory().CreateMqttClient();
            var builder = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId($"dev-{id}-{Guid.NewGuid():N}")
                .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).WithTimeout(TimeSpan.FromSeconds(30));
            if (authenticated) builder = builder.WithCredentials(id, Secret);
            await client.ConnectAsync(builder.Build(), ct);
            devices.Add(new Device(id, client));
        });
        return [.. devices];
    }

    private static async Task DisconnectAsync(IEnumerable<Device> devices)
    {
        await Parallel.ForEachAsync(devices, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (d, _) =>
        {
            try { await d.Client.DisconnectAsync(); } catch (Exception) { }
            d.Client.Dispose();
        });
    }

    private sealed record Published(long Count, double PerSecond, double MemoryMinuteMb, double MemoryEndMb);

    /// <summary>Workers each own a slice of the devices and publish round-robin over it, QoS 1, until the time is up.</summary>
    private static async Task<Published> PublishAsync(IReadOnlyList<Device> devices, int workers, TimeSpan duration, bool memory)
    {
        long count = 0;
        double minuteMb = 0;
        using var stop = new CancellationTokenSource(duration);
        var watch = Stopwatch.StartNew();
        var sampler = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(60, duration.TotalSeconds / 2)), stop.Token);
                minuteMb = ManagedMb();
            }
            catch (OperationCanceledException) { }
        });
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var mine = devices.Where((_, i) => i % workers == w).ToArray();
            if (mine.Length == 0) return;
            for (var i = 0; !stop.IsCancellationRequested; i = (i + 1) % mine.Length)
            {
                var device = mine[i];
                var payload = Encoding.UTF8.GetBytes(
                    $$"""{"timestamp":"{{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ}}","state":"{{((device.Seq / 50) % 2 == 0 ? "running" : "standby")}}","powerW":1500.5,"seq":{{++device.Seq}}}""");
                try
                {
                    await device.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(Topics.Telemetry(device.SensorId))
                        .WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), CancellationToken.None);
                    Interlocked.Increment(ref count);
                }
                catch (Exception) when (stop.IsCancellationRequested) { }
            }
        })));
        var elapsed = watch.Elapsed.TotalSeconds;
        await sampler;
        return new Published(count, count / elapsed, minuteMb, memory ? ManagedMb() : 0);
    }

    private static double ManagedMb()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(true) / 1024.0 / 1024.0;
    }

    private static async Task<double> RelayAsync(IReadOnlyList<string> ids, int port, Options options)
    {
        long received = 0;
        using var subscriber = new MqttClientFactory().CreateMqttClient();
        subscriber.ApplicationMessageReceivedAsync += _ => { Interlocked.Increment(ref received); return Task.CompletedTask; };
        await subscriber.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId($"counter-{Guid.NewGuid():N}")
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).Build());
        await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("dxyq/v1/sensors/+/telemetry", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        var devices = await ConnectAsync(ids, port, authenticated: false);
        var watch = Stopwatch.StartNew();
        var published = await PublishAsync(devices, options.Workers, TimeSpan.FromSeconds(options.RelaySeconds), memory: false);
        var until = DateTime.UtcNow.AddSeconds(10);
        while (Interlocked.Read(ref received) < published.Count && DateTime.UtcNow < until) await Task.Delay(50);
        var rate = Interlocked.Read(ref received) / watch.Elapsed.TotalSeconds;
        await DisconnectAsync(devices);
        await subscriber.DisconnectAsync();
        return rate;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>The node's sink, timed: when a batch is stored, each reading's lag from its (publish-time) timestamp.</summary>
internal sealed class TimingSink(ISensorSink inner, TimingSink.Figures figures) : ISensorSink
{
    public sealed class Figures
    {
        public long Persisted;
        private readonly List<double> _lags = [];
        private DateTime _first, _last;

        public void Add(Batch batch)
        {
            var now = DateTime.UtcNow;
            lock (_lags)
            {
                if (_first == default && batch.Readings.Count > 0) _first = now;
                if (batch.Readings.Count > 0) _last = now;
                foreach (var reading in batch.Readings) _lags.Add((now - reading.Timestamp).TotalMilliseconds);
            }
            Interlocked.Add(ref Persisted, batch.Readings.Count);
        }

        public double PersistedPerSecond
        {
            get { lock (_lags) return _last > _first ? Persisted / (_last - _first).TotalSeconds : double.NaN; }
        }

        public double Percentile(double p)
        {
            lock (_lags)
            {
                var sorted = _lags.Order().ToArray();
                return sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
            }
        }
    }

    public Task<IReadOnlyDictionary<string, SensorBridge.Readings.SensorInfo>> LoadSensorsAsync(CancellationToken cancellationToken) => inner.LoadSensorsAsync(cancellationToken);

    public async Task WriteAsync(Batch batch, CancellationToken cancellationToken)
    {
        await inner.WriteAsync(batch, cancellationToken);
        figures.Add(batch);
    }
}

/// <summary>A throwaway mosquitto on a free loopback port.</summary>
internal sealed class MosquittoProcess : IDisposable
{
    private readonly Process _process;

    private MosquittoProcess(Process process, int port) { _process = process; Port = port; }

    public int Port { get; }

    public static async Task<MosquittoProcess> StartAsync()
    {
        var executable = new[] { "/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("mosquitto is not installed");
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var config = Path.Combine(Path.GetTempPath(), $"dxyq-bench-mosquitto-{port}.conf");
        // Queues sized for the benchmark: a bridge that falls behind should be measured, not dropped.
        await File.WriteAllTextAsync(config, $"listener {port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 1000000\nmax_inflight_messages 0\n");
        var process = Process.Start(new ProcessStartInfo(executable, ["-c", config]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port);
                return new MosquittoProcess(process, port);
            }
            catch (SocketException) { await Task.Delay(50); }
        }
        process.Kill();
        throw new InvalidOperationException("mosquitto did not start");
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
    }
}
