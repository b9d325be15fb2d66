using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace DxyqOpenData.Tests.Sensors;

/// <summary>
/// A mosquitto on a loopback port with the configuration docs/sensors.md prescribes for the bridge (persistence with a
/// one-second autosave, no cap on the messages queued for a session), written by the test; stopped with SIGTERM or
/// killed with SIGKILL, and started again on the same port and data directory.
/// </summary>
public sealed class MosquittoProcess : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"dxyq-mosquitto-{Guid.NewGuid():N}");
    private Process? _process;

    public int Port { get; } = FreePort();

    /// <summary>
    /// The bridge's subscription on mosquitto 2.0 is a plain one (<c>SensorBridge:External:SharedGroup</c> empty):
    /// mosquitto 2.0 does not save shared subscriptions, so after a restart a shared one is missing until the bridge
    /// subscribes again and readings published meanwhile are dropped (docs/sensors.md).
    /// </summary>
    public const string SharedGroup = "";

    /// <summary>
    /// How old mosquitto's last save can be when it is killed: it saves once its clock, in whole seconds, is more than
    /// <c>autosave_interval</c> (1) past the last save — every 2 s — plus a second for the clocks' rounding.
    /// </summary>
    public static readonly TimeSpan SaveAge = TimeSpan.FromSeconds(3);

    public static string Configuration(int port, string directory) => $"""
        listener {port} 127.0.0.1
        allow_anonymous true
        persistence true
        persistence_location {directory.TrimEnd('/')}/
        autosave_interval 1
        max_queued_messages 0
        max_queued_bytes 0
        """;

    public async Task StartAsync()
    {
        Directory.CreateDirectory(_directory);
        // Started as root, mosquitto drops to its own user: it must be able to write its database here.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(_directory, (UnixFileMode)0b111_111_111);
        var config = Path.Combine(_directory, "mosquitto.conf");
        await File.WriteAllTextAsync(config, Configuration(Port, _directory) + "\n");
        var executable = new[] { "/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("mosquitto is not installed (./test.sh installs it)");
        _process = Process.Start(new ProcessStartInfo(executable, ["-c", config]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        for (var i = 0; i < 200; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", Port);
                return;
            }
            catch (SocketException) { await Task.Delay(25); }
        }
        throw new InvalidOperationException("mosquitto did not start");
    }

    /// <summary>SIGTERM (mosquitto saves its sessions and exits) or SIGKILL (it saves nothing more).</summary>
    public async Task StopAsync(bool kill)
    {
        var process = _process ?? throw new InvalidOperationException("not started");
        using (var signal = Process.Start("kill", [kill ? "-KILL" : "-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await signal.WaitForExitAsync();
        }
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        process.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        if (_process is { } process)
        {
            if (!process.HasExited) process.Kill();
            process.WaitForExit();
            process.Dispose();
        }
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
