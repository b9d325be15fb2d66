using System.Diagnostics;
using System.Net.Sockets;

namespace DxyqOpenData.SensorBridge.Tests.Infrastructure;

/// <summary>A throwaway mosquitto on a free loopback port (<c>mosquitto -p PORT</c>: local only, anonymous).</summary>
public sealed class Mosquitto : IDisposable
{
    private readonly Process _process;

    private Mosquitto(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public static string? Executable() =>
        new[] { "/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto" }.FirstOrDefault(File.Exists);

    public static Task<Mosquitto> StartAsync() => StartAsync(Ports.Free(), null);

    /// <summary>
    /// With <paramref name="dataDirectory"/>: a broker that keeps its sessions and queued messages on disk (saved on a
    /// graceful stop, see <see cref="StopGracefullyAsync"/>), so one started again on the same port and directory carries on.
    /// </summary>
    public static async Task<Mosquitto> StartAsync(int port, string? dataDirectory)
    {
        var arguments = $"-p {port}";
        if (dataDirectory is not null)
        {
            Directory.CreateDirectory(dataDirectory);
            // Started as root, mosquitto drops to its own user: it must be able to write its database here.
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(dataDirectory, (UnixFileMode)0b111_111_111);
            }
            var config = Path.Combine(dataDirectory, "mosquitto.conf");
            await File.WriteAllTextAsync(config, $"listener {port} 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location {dataDirectory.TrimEnd('/')}/\nautosave_interval 1\n");
            arguments = $"-c {config}";
        }
        var process = Process.Start(new ProcessStartInfo(Executable() ?? throw new InvalidOperationException("mosquitto is not installed (./test.sh installs it)"), arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
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
                return new Mosquitto(process, port);
            }
            catch (SocketException) { await Task.Delay(50); }
        }
        process.Kill();
        throw new InvalidOperationException("mosquitto did not start");
    }

    /// <summary>Publishes with mosquitto_pub, an MQTT client independent of the bridge's library.</summary>
    public async Task PublishAsync(string topic, string payload)
    {
        using var pub = Process.Start(new ProcessStartInfo("mosquitto_pub", ["-h", "127.0.0.1", "-p", Port.ToString(), "-q", "1", "-V", "mqttv5", "-t", topic, "-m", payload])
        {
            RedirectStandardError = true,
        })!;
        var error = await pub.StandardError.ReadToEndAsync();
        await pub.WaitForExitAsync();
        if (pub.ExitCode != 0) throw new InvalidOperationException($"mosquitto_pub failed: {error}");
    }

    /// <summary>SIGTERM: mosquitto writes its persistence file and exits.</summary>
    public async Task StopGracefullyAsync()
    {
        if (_process.HasExited) return;
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()])) await kill.WaitForExitAsync();
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
    }
}
