using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace DxyqOpenData.Benchmarks.Catalog;

/// <summary>The node as an operator runs it: its own process, its own SQLite file, real Kestrel on loopback.</summary>
public sealed partial class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _log = [];

    private NodeProcess(Process process, string baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public static NodeProcess Start(string databaseFile, IDictionary<string, string>? settings = null)
    {
        var port = FreePort();
        var api = typeof(DxyqOpenData.Api.Data.DatabaseOptions).Assembly.Location;
        var start = new ProcessStartInfo("dotnet", [api, "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(api)!,
        };
        start.Environment["Database__ConnectionString"] = $"Data Source={databaseFile}";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["SensorBridge__Enabled"] = "false";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        var node = new NodeProcess(Process.Start(start)!, $"http://127.0.0.1:{port}");
        node._process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (node._log) node._log.Add(e.Data); };
        node._process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (node._log) node._log.Add(e.Data); };
        node._process.BeginOutputReadLine();
        node._process.BeginErrorReadLine();
        return node;
    }

    /// <summary>Polls until the path answers 200; returns how long that took from now.</summary>
    public async Task<TimeSpan> WaitFor200Async(HttpClient client, string path, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the node exited: {string.Join('\n', _log.TakeLast(20))}");
            }
            try
            {
                using var response = await client.GetAsync(BaseUrl + path);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return clock.Elapsed;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(20);
        }
        throw new TimeoutException($"{path} did not answer 200 within {timeout}");
    }

    /// <summary>The demo loader's own figure, from its log line "Demo data loaded: N rows in M ms".</summary>
    public (long Rows, long Milliseconds)? DemoLoad()
    {
        lock (_log)
        {
            var match = _log.Select(l => DemoLoaded().Match(l)).LastOrDefault(m => m.Success);
            return match is null ? null : (long.Parse(match.Groups[1].Value), long.Parse(match.Groups[2].Value));
        }
    }

    /// <summary>
    /// Resident and peak resident memory in MB, from /proc, and of the resident memory the part that is mapped files
    /// (the SQLite database read through its memory map, and the program's own files): pages the OS can drop and read again.
    /// </summary>
    public (double Rss, double Peak, double Files) Memory()
    {
        var status = File.ReadAllLines($"/proc/{_process.Id}/status");
        double Read(string key) => double.Parse(status.First(l => l.StartsWith(key, StringComparison.Ordinal)).Split(':')[1].Trim().Split(' ')[0]) / 1024;
        return (Read("VmRSS"), Read("VmHWM"), Read("RssFile"));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"Demo data loaded: (\d+) rows in (\d+) ms")]
    private static partial Regex DemoLoaded();
}
