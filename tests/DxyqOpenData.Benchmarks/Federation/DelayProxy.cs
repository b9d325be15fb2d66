using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace DxyqOpenData.Benchmarks.Federation;

/// <summary>
/// A TCP proxy on loopback that puts network latency between a client and one node, outside the product: every chunk
/// is forwarded half the round trip after it arrived, in each direction, without serializing the delays (a pure
/// propagation delay, no bandwidth limit). A new connection also pays one round trip before its first byte goes
/// through, as a TCP handshake over that network would. <see cref="Hang"/> turns it into a node that accepts
/// connections and never answers: bytes are read and dropped, on new and open connections alike.
/// </summary>
public sealed class DelayProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly long _oneWayTicks;
    private readonly long _roundTripTicks;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly List<Socket> _open = [];

    public DelayProxy(Uri target, TimeSpan roundTrip)
    {
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        _roundTripTicks = (long)(roundTrip.TotalSeconds * Stopwatch.Frequency);
        _oneWayTicks = _roundTripTicks / 2;
        _listener.Start(512);
        Address = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = AcceptAsync();
    }

    /// <summary>Where clients connect instead of the node (ends with a slash).</summary>
    public Uri Address { get; }

    /// <summary>True: accept, read, never answer (the node hangs).</summary>
    public volatile bool Hang;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            client.NoDelay = true;
            lock (_open) { _open.Add(client); }
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        var ready = Stopwatch.GetTimestamp() + _roundTripTicks;
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (Hang)
            {
                await DrainAsync(client);
                return;
            }
            await server.ConnectAsync(_target, _stop.Token);
            lock (_open) { _open.Add(server); }
            await Task.WhenAny(PumpAsync(client, server, ready), PumpAsync(server, client, ready));
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // A side closed or the proxy stops: the connection ends, as it would on a network.
        }
        finally
        {
            lock (_open) { _open.Remove(client); _open.Remove(server); }
            client.Dispose();
        }
    }

    /// <summary>Reads and drops until the client gives up.</summary>
    private async Task DrainAsync(Socket client)
    {
        var buffer = new byte[16 * 1024];
        while (await client.ReceiveAsync(buffer, SocketFlags.None, _stop.Token) > 0)
        {
        }
    }

    /// <summary>One direction: a reader stamps each chunk with its due time, a writer sends it no earlier.</summary>
    private async Task PumpAsync(Socket from, Socket to, long ready)
    {
        var chunks = Channel.CreateUnbounded<(long Due, byte[] Buffer, int Length)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var writer = Task.Run(async () =>
        {
            await foreach (var (due, buffer, length) in chunks.Reader.ReadAllAsync(_stop.Token))
            {
                try
                {
                    var wait = due - Stopwatch.GetTimestamp();
                    if (wait > 0)
                    {
                        await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), _stop.Token);
                    }
                    if (!Hang)
                    {
                        await to.SendAsync(buffer.AsMemory(0, length), SocketFlags.None, _stop.Token);
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
            to.Shutdown(SocketShutdown.Send);
        });
        try
        {
            await ReadAsync(from, chunks.Writer, ready);
            await writer;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The other side closed, or the proxy stops.
        }
    }

    private async Task ReadAsync(Socket from, ChannelWriter<(long Due, byte[] Buffer, int Length)> chunks, long ready)
    {
        try
        {
            while (true)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    break;
                }
                chunks.TryWrite((Math.Max(Stopwatch.GetTimestamp() + _oneWayTicks, ready + _oneWayTicks), buffer, read));
            }
        }
        finally
        {
            chunks.TryComplete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_open)
        {
            foreach (var socket in _open)
            {
                socket.Dispose();
            }
        }
        try { await _accepting; } catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}
