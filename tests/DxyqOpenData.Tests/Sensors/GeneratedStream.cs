using System.Diagnostics;
using System.Globalization;

namespace DxyqOpenData.Tests.Sensors;

/// <summary>A session a generated stream must give; <see cref="Line"/> is how the tests compare it with a stored one.</summary>
public sealed record GeneratedSession(string SensorId, DateTime Start, DateTime End, string Reason)
{
    public double Hours => Math.Round((End - Start).TotalHours, 4);

    public string Line => $"{SensorId} {Start:O} {End:O} {Hours:F4} {Reason}";
}

/// <summary>
/// One sensor's generated stream of canonical readings: the lines mosquitto_pub sends (repeats included), how many
/// distinct readings they hold, and the sessions they must give, worked out by the generator as it writes the stream.
/// </summary>
public sealed record GeneratedStream(string SensorId, List<string> Lines, int Readings, List<GeneratedSession> Sessions)
{
    /// <summary>
    /// Idle spells and runs, a reading every 10 s; a run ends with a standby or off reading (stateChange, at it) or with
    /// silence of five minutes, longer than the heartbeat (offline, at its last reading); the stream ends off. About one
    /// reading in eight is sent twice, a few messages later.
    /// </summary>
    public static GeneratedStream Generate(string sensorId, DateTime start, Random random)
    {
        var lines = new List<string>();
        var sessions = new List<GeneratedSession>();
        var t = start;
        long seq = 0;
        var readings = 0;
        void Emit(string state)
        {
            var line = $$"""{"timestamp":"{{t:yyyy-MM-ddTHH:mm:ss.fffZ}}","state":"{{state}}","powerW":{{random.Next(50, 3000)}},"seq":{{++seq}}}""";
            lines.Add(line);
            readings++;
            if (random.Next(8) == 0) lines.Insert(Math.Max(0, lines.Count - random.Next(1, 4)), line);
        }
        for (var segment = 0; segment < 6; segment++)
        {
            var idle = random.Next(2, 6);
            for (var i = 0; i < idle; i++, t = t.AddSeconds(10)) Emit(random.Next(2) == 0 ? "off" : "standby");
            var runStart = t;
            var run = random.Next(2, 9);
            for (var i = 0; i < run; i++, t = t.AddSeconds(10)) Emit("running");
            var last = t.AddSeconds(-10);
            if (random.Next(3) == 0)
            {
                sessions.Add(new GeneratedSession(sensorId, runStart, last, "offline"));
                t = last.AddMinutes(5);
            }
            else
            {
                sessions.Add(new GeneratedSession(sensorId, runStart, t, "stateChange"));
            }
        }
        Emit("off");
        return new GeneratedStream(sensorId, lines, readings, sessions);
    }

    /// <summary><paramref name="count"/> off readings a second apart: no session.</summary>
    public static GeneratedStream Idle(string sensorId, DateTime start, int count) => new(sensorId,
        [.. Enumerable.Range(1, count).Select(i => $$"""{"timestamp":"{{start.AddSeconds(i):yyyy-MM-ddTHH:mm:ss.fffZ}}","state":"off","seq":{{i}}}""")], count, []);

    /// <summary>One mosquitto_pub for the stream's lines (<c>-l</c>: a message per line), QoS 1, in order.</summary>
    public async Task PublishAsync(int port)
    {
        var info = new ProcessStartInfo("mosquitto_pub", ["-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-q", "1",
            "-V", "mqttv5", "-t", $"dxyq/v1/sensors/{SensorId}/telemetry", "-l"])
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
        };
        using var pub = Process.Start(info)!;
        await pub.StandardInput.WriteAsync(string.Join('\n', Lines) + "\n");
        pub.StandardInput.Close();
        var error = await pub.StandardError.ReadToEndAsync();
        await pub.WaitForExitAsync();
        Assert.True(pub.ExitCode == 0, $"mosquitto_pub failed: {error}");
    }
}
