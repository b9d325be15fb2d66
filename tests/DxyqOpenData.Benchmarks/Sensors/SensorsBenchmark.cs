using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
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

    private sealed record Options(int Sensors, int Seconds, int Workers, int Inflight, string Brokers, int RelaySeconds, double Rate, int WindowSeconds, long SinkRows);

    public static async Task<int> RunAsync(string[] args)
    {
        var options = Parse(args);
        if (options.SinkRows > 0) return await SinkBenchmark.RunAsync(options.Sensors, options.SinkRows);
        Console.WriteLine($"# {options.Sensors} sensors (one MQTT connection each), {options.Seconds} s per broker, {options.Workers} publishing workers x {options.Inflight} in flight, "
            + $"QoS 1, canonical JSON, rate {(options.Rate > 0 ? $"{options.Rate:0}/s" : "as fast as acknowledged")}, reorder window {options.WindowSeconds} s, raw relay {options.RelaySeconds} s");
        Console.WriteLine($"# load average at start: {LoadAverage()}");
        Report.Columns();
        var ok = true;
        foreach (var broker in options.Brokers.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            ok &= await RunOneAsync(broker, options);
        }
        Console.WriteLine($"# load average at end: {LoadAverage()}");
        return ok ? 0 : 1;
    }

    private static Options Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2) values[args[i]] = args[i + 1];
        int Int(string name, int fallback) => values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var seconds = Int("--duration", Int("--seconds", 300));
        return new Options(Int("--sensors", 11_000), seconds, Int("--workers", 64), Int("--inflight", 16),
            values.GetValueOrDefault("--brokers", "embedded,mosquitto"), Int("--relay-seconds", Math.Min(60, seconds)),
            Int("--rate", 0), Int("--window", 30), values.TryGetValue("--sink-rows", out var sinkRows) ? long.Parse(sinkRows, CultureInfo.InvariantCulture) : 0);
    }

    internal static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "?"; }
    }

    private static async Task<bool> RunOneAsync(string brokerKind, Options options)
    {
        var embedded = brokerKind == "embedded";
        using var mosquitto = embedded ? null : await MosquittoProcess.StartAsync();
        var brokerPort = embedded ? FreePort() : mosquitto!.Port;
        var sqlite = Path.Combine(Path.GetTempPath(), $"dxyq-bench-sensors-{Guid.NewGuid():N}.db");
        var timing = new TimingSink.Figures();
        var node = Node(sqlite, b =>
        {
            b.UseSetting("SensorBridge:Enabled", "true");
            b.UseSetting("SensorBridge:Broker", embedded ? "Embedded" : "External");
            b.UseSetting("SensorBridge:Embedded:Port", brokerPort.ToString(CultureInfo.InvariantCulture));
            b.UseSetting("SensorBridge:External:Host", "127.0.0.1");
            b.UseSetting("SensorBridge:External:Port", brokerPort.ToString(CultureInfo.InvariantCulture));
            b.UseSetting("SensorBridge:External:ClientId", $"bench-bridge-{Guid.NewGuid():N}");
            // No session kept after the bridge stops: the raw relay that follows on the same broker is not queued for it.
            b.UseSetting("SensorBridge:External:SessionExpirySeconds", "0");
            b.UseSetting("SensorBridge:ReorderWindowSeconds", options.WindowSeconds.ToString(CultureInfo.InvariantCulture));
            b.UseSetting("SensorBridge:SensorReloadSeconds", "2");
            b.ConfigureServices(services => services.AddScoped<ISensorSink>(sp =>
                new TimingSink(new SensorSink(sp.GetRequiredService<CatalogDbContext>(), sp.GetRequiredService<IOptions<SensorBridgeOptions>>()), timing)));
        });
        await AddSensorsAsync(node.Services, options.Sensors);
        await node.Services.GetRequiredService<BridgeStatus>().WhenReceiving.WaitAsync(TimeSpan.FromSeconds(60));
        await Task.Delay(3000); // the bridge reloads its sensors (SensorReloadSeconds=2)

        // The bridge: every sensor its own connection (in the devices' process), publishing as fast as acknowledged.
        await using var devices = DevicesProcess.Start(options.Sensors, options.Workers, options.Inflight, Secret);
        var connected = await devices.ConnectAsync(brokerPort, authenticated: embedded);
        Console.WriteLine($"# {brokerKind}: {connected} devices connected; load average {LoadAverage()}");
        var memory = new MemorySampler();
        var seconds = options.Seconds;
        var cpuAtMark = 0.0;
        var devicesCpuAtMark = 0.0;
        var marks = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(seconds * 0.2));
            memory.Start = MemorySampler.Sample();
            timing.Mark();
            cpuAtMark = CpuSeconds();
            devicesCpuAtMark = devices.CpuSeconds;
            await Task.Delay(TimeSpan.FromSeconds(seconds * 0.4));
            memory.Mid = MemorySampler.Sample();
            await Task.Delay(TimeSpan.FromSeconds(seconds * 0.4 - 1));
            memory.End = MemorySampler.Sample();
        });
        var published = await devices.PublishAsync(seconds, options.Rate);
        await marks;
        var sustained = timing.SinceMark();
        var persistedSinceMark = timing.PersistedSinceMark;
        var nodeCpuMs = (CpuSeconds() - cpuAtMark) * 1000 / Math.Max(1, persistedSinceMark) * 1000;
        var devicesCpuMs = (devices.CpuSeconds - devicesCpuAtMark) * 1000 / Math.Max(1, persistedSinceMark) * 1000;
        var loadDuring = LoadAverage();
        // Drain: whatever is still queued (in the channel, or at an external broker) is stored — for at most a fifth
        // of the run (at least 30 s): a backlog at mosquitto that would take longer is reported, not waited for.
        var last = -1L;
        var idleSince = DateTime.UtcNow;
        var drainUntil = DateTime.UtcNow.AddSeconds(Math.Max(30, seconds * 0.2));
        while (Interlocked.Read(ref timing.Persisted) < published.Count && DateTime.UtcNow - idleSince < TimeSpan.FromSeconds(15) && DateTime.UtcNow < drainUntil)
        {
            await Task.Delay(250);
            var now = Interlocked.Read(ref timing.Persisted);
            if (now != last) { last = now; idleSince = DateTime.UtcNow; }
        }
        await node.DisposeAsync(); // the bridge stops before the relay runs on the same machine

        // The raw relay: the same devices through a plain broker of the same kind to a subscriber that only counts.
        (double Rate, double CpuMsPer1000, double DevicesCpuMsPer1000) relay;
        if (embedded)
        {
            var relayPort = FreePort();
            using var plain = new MqttServerFactory().CreateMqttServer(new MqttServerFactory().CreateServerOptionsBuilder()
                .WithDefaultEndpoint().WithDefaultEndpointPort(relayPort)
                // Queued for the counter rather than dropped (the default keeps 250 per client), like the mosquitto config.
                .WithMaxPendingMessagesPerClient(10_000_000).Build());
            await plain.StartAsync();
            relay = await RelayAsync(devices, relayPort, reconnect: true, options);
            await devices.CloseAsync();
            await plain.StopAsync();
        }
        else
        {
            relay = await RelayAsync(devices, brokerPort, reconnect: false, options);
            await devices.CloseAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" }) { try { File.Delete(sqlite + suffix); } catch (IOException) { } }

        var p50 = timing.Percentile(50);
        var p99 = timing.Percentile(99);
        var relayRate = relay.Rate;
        var ratio = sustained / relayRate;
        var memoryFlat = memory.IsFlat;
        string F(double v) => v.ToString("0", CultureInfo.InvariantCulture);
        Report.Line($"{brokerKind}: published readings/s", F(published.Count / published.Seconds));
        Report.Line($"{brokerKind}: persisted readings/s (SQLite)", F(sustained), null, null, ">= 20000", sustained >= 20_000);
        Report.Line($"{brokerKind}: bridge vs raw relay (readings/s)", F(sustained), F(relayRate), ratio.ToString("0.00", CultureInfo.InvariantCulture), ">= 0.50", ratio >= 0.5);
        Report.Line($"{brokerKind}: lag publish->persisted p50 (ms)", F(p50));
        Report.Line($"{brokerKind}: lag publish->persisted p99 (ms)", F(p99), null, null, "< 2000", p99 < 2000);
        Report.Line($"{brokerKind}: working set start/mid/end (MB)", memory.WorkingSets);
        Report.Line($"{brokerKind}: GC heap start/mid/end (MB)", memory.Heaps, null, null, "flat: end <= 1.2 x start", memoryFlat);
        var backlog = published.Count - timing.Persisted;
        Report.Line($"{brokerKind}: persisted / published", $"{timing.Persisted} / {published.Count}", null, null,
            (published.Errors > 0 ? $"{published.Errors} publish errors; " : "") + (backlog > 0 ? $"{backlog} still queued when the drain ended" : "all stored"), backlog == 0);
        Console.WriteLine(FormattableString.Invariant($"# {brokerKind}: CPU of this process (node; devices apart) per 1,000 readings: bridge {nodeCpuMs:0} ms, ")
            + FormattableString.Invariant($"raw relay {relay.CpuMsPer1000:0} ms{(embedded ? " (the plain MQTTnet server and the counter)" : " (the counter only; mosquitto is its own process)")}"));
        // What 2 cores allow at most when nothing else runs: node and devices together may use 2,000 ms of CPU a second.
        var cores = Environment.ProcessorCount;
        Console.WriteLine(FormattableString.Invariant($"# {brokerKind}: CPU of the devices' process per 1,000 readings: {devicesCpuMs:0} ms with the bridge, {relay.DevicesCpuMsPer1000:0} ms in the raw relay; ")
            + FormattableString.Invariant($"node + devices {nodeCpuMs + devicesCpuMs:0} ms, so {cores} cores carry at most {cores * 1_000_000 / Math.Max(1, nodeCpuMs + devicesCpuMs):0} readings/s through the bridge")
            + (embedded ? FormattableString.Invariant($" and {cores * 1_000_000 / Math.Max(1, relay.CpuMsPer1000 + relay.DevicesCpuMsPer1000):0}/s through the raw relay") : " (mosquitto's own CPU not counted)"));
        Console.WriteLine($"# {brokerKind}: load average during the run {loadDuring}; the sink took {Stopwatch.GetElapsedTime(0, timing.SinkTicks).TotalSeconds:0.0} s "
            + $"for {timing.Batches} batches ({Stopwatch.GetElapsedTime(0, timing.SinkTicks).TotalMilliseconds / Math.Max(1, timing.Persisted) * 1000:0} ms per 1,000 readings)");
        return sustained >= 20_000 && ratio >= 0.5 && p99 < 2000 && memoryFlat && timing.Persisted == published.Count;
    }

    /// <summary>The node in this process on a temp SQLite file, production settings, demo data at scale 0.02.</summary>
    internal static WebApplicationFactory<Program> Node(string sqlite, Action<IWebHostBuilder> configure)
    {
        // Outside a test project there is no solution-relative content root: the binaries' folder is it.
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_DXYQOPENDATA_API", AppContext.BaseDirectory);
        return new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Production");
            b.UseSetting("Database:Provider", "Sqlite");
            b.UseSetting("Database:ConnectionString", $"Data Source={sqlite}");
            b.UseSetting("Demo:Enabled", "true");
            b.UseSetting("Demo:Scale", "0.02");
            b.UseSetting("Logging:LogLevel:Default", "Warning");
            b.UseSetting("Logging:Console:FormatterName", "simple");
            configure(b);
        });
    }

    internal static async Task AddSensorsAsync(IServiceProvider services, int count)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
        var instruments = await db.Instruments.IgnoreQueryFilters().OrderBy(i => i.Id).Select(i => new { i.Id, i.UnitId }).Take(2000).ToListAsync();
        var hash = SensorSecrets.Hash(Secret);
        for (var i = 0; i < count; i++)
        {
            var instrument = instruments[i % instruments.Count];
            db.Sensors.Add(new Sensor
            {
                Id = $"BENCH-{i:D6}", UnitId = instrument.UnitId, InstrumentId = instrument.Id, Format = "canonical", HeartbeatSeconds = 300,
                Status = Api.Sensors.SensorStatus.Active, UpdatedAt = DateTime.UtcNow, SecretHash = hash,
            });
        }
        await db.SaveChangesAsync();
    }

    /// <summary>Working set and GC heap (after a full collection) at 20 %, 60 % and 100 % of the publishing.</summary>
    private sealed class MemorySampler
    {
        public (double WorkingSetMb, double HeapMb) Start, Mid, End;

        public static (double, double) Sample()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var heap = GC.GetTotalMemory(true) / 1048576.0;
            using var self = Process.GetCurrentProcess();
            return (self.WorkingSet64 / 1048576.0, heap);
        }

        public string WorkingSets => FormattableString.Invariant($"{Start.WorkingSetMb:0} / {Mid.WorkingSetMb:0} / {End.WorkingSetMb:0}");
        public string Heaps => FormattableString.Invariant($"{Start.HeapMb:0} / {Mid.HeapMb:0} / {End.HeapMb:0}");

        /// <summary>Flat: neither the heap nor the working set grows by more than a fifth from 20 % of the run to its end.</summary>
        public bool IsFlat => End.HeapMb <= Start.HeapMb * 1.2 && End.WorkingSetMb <= Start.WorkingSetMb * 1.2;
    }

    private static async Task<(double Rate, double CpuMsPer1000, double DevicesCpuMsPer1000)> RelayAsync(DevicesProcess devices, int port, bool reconnect, Options options)
    {
        await using var subscriber = new CountingSubscriber();
        await subscriber.StartAsync(port, "dxyq/v1/sensors/+/telemetry");
        if (reconnect) await devices.ConnectAsync(port, authenticated: false);
        var start = Stopwatch.GetTimestamp();
        var cpu = CpuSeconds();
        var devicesCpu = devices.CpuSeconds;
        var published = await devices.PublishAsync(options.RelaySeconds, 0);
        var until = DateTime.UtcNow.AddSeconds(15);
        while (subscriber.Count < published.Count && DateTime.UtcNow < until) await Task.Delay(50);
        var count = subscriber.Count;
        var rate = count / Stopwatch.GetElapsedTime(start, subscriber.LastTicks).TotalSeconds;
        var cpuMs = (CpuSeconds() - cpu) * 1000 / Math.Max(1, count) * 1000;
        var devicesCpuMs = (devices.CpuSeconds - devicesCpu) * 1000 / Math.Max(1, count) * 1000;
        Console.WriteLine(FormattableString.Invariant($"# relay: {published.Count} published ({published.Count / published.Seconds:0}/s), {count} counted by the subscriber"));
        return (rate, cpuMs, devicesCpuMs);
    }

    /// <summary>CPU time of this process (user + system): unlike wall time, hardly moved by other processes' load.</summary>
    internal static double CpuSeconds()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
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
        private const int MaxMs = 120_000;
        public long Persisted;
        public long SinkTicks;
        public long Batches;
        private readonly long[] _lagHistogram = new long[MaxMs + 1]; // per millisecond; the last bucket holds everything longer
        private long _markCount;
        private long _markTicks;

        public void Add(Batch batch)
        {
            var now = DateTime.UtcNow;
            lock (_lagHistogram)
            {
                foreach (var reading in batch.Readings)
                {
                    _lagHistogram[Math.Clamp((int)(now - reading.Timestamp).TotalMilliseconds, 0, MaxMs)]++;
                }
            }
            Interlocked.Add(ref Persisted, batch.Readings.Count);
        }

        /// <summary>From here (after the warm-up) the sustained rate is counted.</summary>
        public void Mark()
        {
            _markCount = Interlocked.Read(ref Persisted);
            _markTicks = Stopwatch.GetTimestamp();
        }

        public long PersistedSinceMark => Interlocked.Read(ref Persisted) - _markCount;

        public double SinceMark() => (Interlocked.Read(ref Persisted) - _markCount) / Stopwatch.GetElapsedTime(_markTicks).TotalSeconds;

        public double Percentile(double p)
        {
            lock (_lagHistogram)
            {
                var total = _lagHistogram.Sum();
                if (total == 0) return double.NaN;
                var rank = (long)Math.Ceiling(p / 100 * total);
                long seen = 0;
                for (var ms = 0; ms <= MaxMs; ms++)
                {
                    seen += _lagHistogram[ms];
                    if (seen >= rank) return ms;
                }
                return MaxMs;
            }
        }
    }

    public Task<IReadOnlyDictionary<string, SensorBridge.Readings.SensorInfo>> LoadSensorsAsync(CancellationToken cancellationToken) => inner.LoadSensorsAsync(cancellationToken);

    public async Task<int> WriteAsync(Batch batch, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var stored = await inner.WriteAsync(batch, cancellationToken);
        Interlocked.Add(ref figures.SinkTicks, Stopwatch.GetTimestamp() - start);
        Interlocked.Increment(ref figures.Batches);
        figures.Add(batch);
        return stored;
    }

    public Task<long> SessionsPositionAsync(CancellationToken cancellationToken) => inner.SessionsPositionAsync(cancellationToken);

    // The sessions' side counts in the sink's time too (before issue 18 it ran inside WriteAsync), not in the readings' lag.
    public async Task<IReadOnlyList<StoredReading>> ReadReadingsAsync(long after, int max, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var read = await inner.ReadReadingsAsync(after, max, cancellationToken);
        Interlocked.Add(ref figures.SinkTicks, Stopwatch.GetTimestamp() - start);
        return read;
    }

    public async Task<bool> WriteSessionsAsync(Batch batch, long from, long to, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var written = await inner.WriteSessionsAsync(batch, from, to, cancellationToken);
        Interlocked.Add(ref figures.SinkTicks, Stopwatch.GetTimestamp() - start);
        return written;
    }
}

/// <summary>A throwaway mosquitto on a free loopback port.</summary>
internal sealed class MosquittoProcess : IDisposable
{
    private readonly Process _process;

    private readonly string _config;

    private MosquittoProcess(Process process, int port, string config) { _process = process; Port = port; _config = config; }

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
                return new MosquittoProcess(process, port, config);
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
        File.Delete(_config);
    }
}
