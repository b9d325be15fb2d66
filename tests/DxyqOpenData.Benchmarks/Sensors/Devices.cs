using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace DxyqOpenData.Benchmarks.Sensors;

/// <summary>
/// The simulated devices, run as a child process of the benchmark (<c>sensors-devices</c>): one MQTT 3.1.1
/// connection per sensor over a plain socket (CONNECT, PUBLISH QoS 1, PUBACK — nothing else), so 11,000 devices cost
/// a socket and a few hundred bytes each, and their file descriptors do not count against the node's process
/// (the container's hard limit is 20,000 per process: the node's broker needs one per device too).
/// Driven line by line on standard input:
/// <list type="bullet">
/// <item><c>connect PORT AUTH</c> — (re)connects every device (AUTH 1: sensor id and secret as user name and password); answers <c>connected N</c>.</item>
/// <item><c>publish SECONDS RATE</c> — workers publish round-robin over their devices, each keeping up to
/// <c>--inflight</c> PUBLISHes outstanding, for SECONDS (RATE readings/s in all, 0 = as fast as they are
/// acknowledged); answers <c>published COUNT ELAPSED_SECONDS ERRORS</c>.</item>
/// <item><c>close</c> — closes every connection; answers <c>closed</c>. End of input exits.</item>
/// </list>
/// The payload is canonical JSON with the publish time as its timestamp (milliseconds), so the node measures the lag.
/// </summary>
internal static class Devices
{
    public static async Task<int> RunAsync(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2) values[args[i]] = args[i + 1];
        int Int(string name, int fallback) => values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var sensors = Int("--sensors", 11_000);
        var workers = Int("--workers", 64);
        var inflight = Int("--inflight", 16);
        var secret = values.GetValueOrDefault("--secret", "benchmark-secret");
        var devices = Enumerable.Range(0, sensors).Select(i => new RawDevice($"BENCH-{i:D6}")).ToArray();

        while (await Console.In.ReadLineAsync() is { } line)
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (parts.FirstOrDefault())
            {
                case "connect":
                    var port = int.Parse(parts[1], CultureInfo.InvariantCulture);
                    var auth = parts[2] == "1";
                    var failed = 0;
                    await Parallel.ForEachAsync(devices, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (d, _) =>
                    {
                        for (var attempt = 1; ; attempt++)
                        {
                            try { await d.ConnectAsync(port, auth ? secret : null); return; }
                            catch (Exception e) when (attempt < 5)
                            {
                                if (attempt == 4) Console.Error.WriteLine($"{d.SensorId}: {e.Message}");
                                await Task.Delay(200 * attempt);
                            }
                            catch (Exception) { Interlocked.Increment(ref failed); return; }
                        }
                    });
                    Console.WriteLine($"connected {sensors - failed}");
                    break;
                case "publish":
                    var seconds = double.Parse(parts[1], CultureInfo.InvariantCulture);
                    var rate = double.Parse(parts[2], CultureInfo.InvariantCulture);
                    var (count, elapsed, errors) = await PublishAsync(devices, workers, inflight, TimeSpan.FromSeconds(seconds), rate);
                    Console.WriteLine(FormattableString.Invariant($"published {count} {elapsed:0.000} {errors}"));
                    break;
                case "close":
                    foreach (var d in devices) d.Close();
                    Console.WriteLine("closed");
                    break;
            }
        }
        foreach (var d in devices) d.Close();
        return 0;
    }

    private static async Task<(long Count, double Elapsed, long Errors)> PublishAsync(
        RawDevice[] devices, int workers, int inflight, TimeSpan duration, double rate)
    {
        long count = 0, errors = 0;
        using var stop = new CancellationTokenSource(duration);
        var watch = Stopwatch.StartNew();
        var perWorker = rate > 0 ? rate / workers : 0;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var mine = devices.Where((d, i) => i % workers == w && d.IsConnected).ToArray();
            if (mine.Length == 0) return;
            var buffer = new byte[512];
            var sent = 0L;
            var next = 0;
            var chunk = new List<RawDevice>(inflight);
            while (!stop.IsCancellationRequested)
            {
                chunk.Clear();
                for (var k = 0; k < Math.Min(inflight, mine.Length); k++, next = (next + 1) % mine.Length) chunk.Add(mine[next]);
                foreach (var device in chunk)
                {
                    try { await device.PublishAsync(buffer); }
                    catch (Exception) { device.Broken = true; Interlocked.Increment(ref errors); }
                }
                foreach (var device in chunk)
                {
                    if (device.Broken) continue;
                    try
                    {
                        await device.ReadPubAckAsync();
                        Interlocked.Increment(ref count);
                    }
                    catch (Exception) { device.Broken = true; Interlocked.Increment(ref errors); }
                }
                sent += chunk.Count;
                if (perWorker > 0)
                {
                    var ahead = sent / perWorker - watch.Elapsed.TotalSeconds;
                    if (ahead > 0.002)
                    {
                        try { await Task.Delay(TimeSpan.FromSeconds(ahead), stop.Token); } catch (OperationCanceledException) { }
                    }
                }
                if (chunk.TrueForAll(d => d.Broken)) mine = [.. mine.Where(d => !d.Broken)];
                if (mine.Length == 0) return;
            }
        })));
        return (Interlocked.Read(ref count), watch.Elapsed.TotalSeconds, Interlocked.Read(ref errors));
    }

    /// <summary>One device: a socket speaking just enough MQTT 3.1.1 for QoS 1 publishing.</summary>
    private sealed class RawDevice(string sensorId)
    {
        private readonly byte[] _topic = Encoding.ASCII.GetBytes($"dxyq/v1/sensors/{sensorId}/telemetry");
        private Socket? _socket;
        private readonly byte[] _ack = new byte[4];
        private ushort _packetId;
        private long _seq;

        public string SensorId => sensorId;
        public bool Broken { get; set; }
        public bool IsConnected => _socket is { Connected: true } && !Broken;

        public async Task ConnectAsync(int port, string? secret)
        {
            Close();
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync("127.0.0.1", port);
            var clientId = Encoding.ASCII.GetBytes($"dev-{sensorId}");
            var user = Encoding.ASCII.GetBytes(sensorId);
            var password = secret is null ? null : Encoding.UTF8.GetBytes(secret);
            var body = new List<byte> { 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4 };
            body.Add((byte)(0x02 | (password is null ? 0 : 0xC0))); // clean session; user name and password
            body.AddRange([0, 0]); // no keep-alive: the devices are driven by the benchmark
            void String(byte[] s) { body.Add((byte)(s.Length >> 8)); body.Add((byte)s.Length); body.AddRange(s); }
            String(clientId);
            if (password is not null) { String(user); String(password); }
            var packet = new List<byte> { 0x10 };
            packet.AddRange(RemainingLength(body.Count));
            packet.AddRange(body);
            await socket.SendAsync(packet.ToArray());
            var connack = new byte[4];
            await ReadExactlyAsync(socket, connack);
            if (connack[0] != 0x20 || connack[3] != 0) throw new InvalidOperationException($"CONNACK {Convert.ToHexString(connack)}");
            _socket = socket;
            Broken = false;
        }

        public async Task PublishAsync(byte[] buffer)
        {
            var seq = ++_seq;
            var state = (seq / 50) % 2 == 0 ? "running" : "standby";
            // Topic, packet id, payload after a fixed header of at most 3 bytes (payloads here are < 16 KB).
            var at = 5;
            BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(at), (ushort)_topic.Length);
            _topic.CopyTo(buffer, at + 2);
            at += 2 + _topic.Length;
            _packetId = (ushort)(_packetId % ushort.MaxValue + 1);
            BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(at), _packetId);
            at += 2;
            at += Encoding.ASCII.GetBytes(FormattableString.Invariant(
                $$"""{"timestamp":"{{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ}}","state":"{{state}}","powerW":1500.5,"seq":{{seq}}}"""), buffer.AsSpan(at));
            var remaining = at - 5;
            var length = RemainingLength(remaining);
            var start = 5 - 1 - length.Length;
            buffer[start] = 0x32; // PUBLISH, QoS 1
            length.CopyTo(buffer, start + 1);
            await _socket!.SendAsync(buffer.AsMemory(start, at - start));
        }

        public async Task ReadPubAckAsync()
        {
            await ReadExactlyAsync(_socket!, _ack);
            if (_ack[0] != 0x40) throw new InvalidOperationException($"expected PUBACK, got {Convert.ToHexString(_ack)}");
        }

        public void Close()
        {
            try { _socket?.Shutdown(SocketShutdown.Both); } catch (SocketException) { } catch (ObjectDisposedException) { }
            _socket?.Dispose();
            _socket = null;
        }

        private static async Task ReadExactlyAsync(Socket socket, byte[] target)
        {
            var read = 0;
            while (read < target.Length)
            {
                var n = await socket.ReceiveAsync(target.AsMemory(read));
                if (n == 0) throw new IOException("connection closed");
                read += n;
            }
        }

        private static byte[] RemainingLength(int value)
        {
            var bytes = new List<byte>(4);
            do
            {
                var b = (byte)(value % 128);
                value /= 128;
                if (value > 0) b |= 0x80;
                bytes.Add(b);
            } while (value > 0);
            return [.. bytes];
        }
    }
}

/// <summary>The devices' child process, seen from the benchmark.</summary>
internal sealed class DevicesProcess : IAsyncDisposable
{
    private readonly Process _process;

    private DevicesProcess(Process process) => _process = process;

    public static DevicesProcess Start(int sensors, int workers, int inflight, string secret)
    {
        var host = Environment.ProcessPath!;
        var info = new ProcessStartInfo(host)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = false, UseShellExecute = false,
        };
        // The simulated devices run with the runtime's default GC settings, whatever the node's process was given
        // (e.g. DOTNET_GCgen0size): a GC setting measured for the node must not make the simulator cheaper too.
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("DOTNET_GC", StringComparison.OrdinalIgnoreCase)
            || k.StartsWith("COMPlus_GC", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(name);
        }
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") info.ArgumentList.Add(typeof(Devices).Assembly.Location);
        foreach (var a in new[] { "sensors-devices", "--sensors", $"{sensors}", "--workers", $"{workers}", "--inflight", $"{inflight}", "--secret", secret })
            info.ArgumentList.Add(a);
        return new DevicesProcess(Process.Start(info)!);
    }

    public async Task<int> ConnectAsync(int port, bool authenticated)
    {
        var answer = await AskAsync($"connect {port} {(authenticated ? 1 : 0)}");
        return int.Parse(answer.Split(' ')[1], CultureInfo.InvariantCulture);
    }

    public async Task<(long Count, double Seconds, long Errors)> PublishAsync(double seconds, double rate)
    {
        var parts = (await AskAsync(FormattableString.Invariant($"publish {seconds} {rate}"))).Split(' ');
        return (long.Parse(parts[1], CultureInfo.InvariantCulture), double.Parse(parts[2], CultureInfo.InvariantCulture), long.Parse(parts[3], CultureInfo.InvariantCulture));
    }

    public Task CloseAsync() => AskAsync("close");

    /// <summary>CPU time (user + system) the devices' process has used so far.</summary>
    public double CpuSeconds
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime.TotalSeconds;
        }
    }

    private async Task<string> AskAsync(string command)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
        return await _process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("the devices' process ended");
    }

    public async ValueTask DisposeAsync()
    {
        try { _process.StandardInput.Close(); } catch (IOException) { }
        if (!_process.WaitForExit(TimeSpan.FromSeconds(10))) _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}

/// <summary>
/// The raw relay's subscriber: one MQTT 3.1.1 connection over a plain socket subscribed at QoS 1 to every
/// device's topic, which only counts the PUBLISHes and acknowledges them (a client library's per-message work
/// would be measured instead of the broker's relay).
/// </summary>
internal sealed class CountingSubscriber : IAsyncDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private long _count;
    private long _lastTicks;

    public long Count => Interlocked.Read(ref _count);
    public long LastTicks => Volatile.Read(ref _lastTicks);

    public async Task StartAsync(int port, string topicFilter)
    {
        await _socket.ConnectAsync("127.0.0.1", port);
        var clientId = Encoding.ASCII.GetBytes($"counter-{Guid.NewGuid():N}");
        byte[] connect = [0x10, (byte)(12 + clientId.Length), 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 0x02, 0, 0, 0, (byte)clientId.Length, .. clientId];
        await _socket.SendAsync(connect);
        var header = new byte[4];
        await ReadExactlyAsync(header);
        if (header[0] != 0x20 || header[3] != 0) throw new InvalidOperationException($"CONNACK {Convert.ToHexString(header)}");
        var filter = Encoding.ASCII.GetBytes(topicFilter);
        byte[] subscribe = [0x82, (byte)(2 + 2 + filter.Length + 1), 0, 1, (byte)(filter.Length >> 8), (byte)filter.Length, .. filter, 1];
        await _socket.SendAsync(subscribe);
        var suback = new byte[5];
        await ReadExactlyAsync(suback);
        if (suback[0] != 0x90 || suback[4] > 2) throw new InvalidOperationException($"SUBACK {Convert.ToHexString(suback)}");
        _loop = Task.Run(() => ReadLoopAsync(_stop.Token));
    }

    private async Task ReadLoopAsync(CancellationToken stop)
    {
        var buffer = new byte[1 << 20];
        var acks = new byte[1 << 16];
        int start = 0, end = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                if (start > 0 && start == end) start = end = 0;
                if (end == buffer.Length) { Buffer.BlockCopy(buffer, start, buffer, 0, end - start); end -= start; start = 0; }
                var n = await _socket.ReceiveAsync(buffer.AsMemory(end), stop);
                if (n == 0) return;
                end += n;
                var ackLength = 0;
                var counted = 0;
                while (true)
                {
                    // Fixed header: type, then the remaining length (1–4 bytes).
                    if (end - start < 2) break;
                    int length = 0, multiplier = 1, at = start + 1;
                    bool complete = false;
                    while (at < end)
                    {
                        var b = buffer[at++];
                        length += (b & 0x7F) * multiplier;
                        multiplier *= 128;
                        if ((b & 0x80) == 0) { complete = true; break; }
                    }
                    if (!complete || end - at < length) break;
                    var type = buffer[start] >> 4;
                    var qos = (buffer[start] >> 1) & 3;
                    if (type == 3)
                    {
                        counted++;
                        if (qos > 0)
                        {
                            var topicLength = (buffer[at] << 8) | buffer[at + 1];
                            var id = at + 2 + topicLength;
                            if (ackLength + 4 > acks.Length) { await _socket.SendAsync(acks.AsMemory(0, ackLength)); ackLength = 0; }
                            acks[ackLength++] = 0x40; acks[ackLength++] = 2; acks[ackLength++] = buffer[id]; acks[ackLength++] = buffer[id + 1];
                        }
                    }
                    start = at + length;
                }
                if (counted > 0)
                {
                    Interlocked.Add(ref _count, counted);
                    Volatile.Write(ref _lastTicks, Stopwatch.GetTimestamp());
                }
                if (ackLength > 0) await _socket.SendAsync(acks.AsMemory(0, ackLength));
            }
        }
        catch (Exception) when (stop.IsCancellationRequested) { }
        catch (SocketException) { }
    }

    private async Task ReadExactlyAsync(byte[] target)
    {
        var read = 0;
        while (read < target.Length)
        {
            var n = await _socket.ReceiveAsync(target.AsMemory(read));
            if (n == 0) throw new IOException("connection closed");
            read += n;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { _socket.Shutdown(SocketShutdown.Both); } catch (SocketException) { }
        _socket.Dispose();
        if (_loop is not null) await _loop;
        _stop.Dispose();
    }
}
