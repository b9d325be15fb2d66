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

    public static async Task<Mosquitto> StartAsync()
    {
        var port = Ports.Free();
        var process = Process.Start(new ProcessStartInfo(Executable() ?? throw new InvalidOperationException("mosquitto is not installed (./test.sh installs it)"), $"-p {port}")
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

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
    }
}
