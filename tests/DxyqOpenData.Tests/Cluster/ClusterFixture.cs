using System.Diagnostics;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;
using DxyqOpenData.Tests.Sensors;

namespace DxyqOpenData.Tests.Cluster;

/// <summary>
/// Two nodes on one PostgreSQL database behind HAProxy, with mosquitto, started by <c>scripts/cluster</c> exactly as a
/// person would (the nodes run the Environment= and ExecStart= lines of deploy/dxyq-node@.service after one
/// <c>migrate</c>; HAProxy runs deploy/haproxy.cfg), from this test's build of the api.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"dxyq-cluster-{Guid.NewGuid():N}");
    private Dictionary<string, string> _addresses = [];

    /// <summary>The sweep's interval on these nodes: short, so a test sees several turns.</summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(5);

    /// <summary>The harvest's interval on these nodes, and the peer they harvest (WireMock: a token and empty feed pages).</summary>
    public static readonly TimeSpan HarvestInterval = TimeSpan.FromSeconds(5);
    public const string Peer = "SH";

    /// <summary>The raw readings' purge interval on these nodes (SensorBridge:ReadingRetentionInterval): short, as the sweep's.</summary>
    public static readonly TimeSpan PurgeInterval = TimeSpan.FromSeconds(5);
    public Federation.FakePeers Peers { get; } = new();

    public string ConnectionString { get; private set; } = "";

    /// <summary>The application name in <see cref="ConnectionString"/>, which the nodes' connections must show as given.</summary>
    public const string ApplicationName = "dxyq cluster & #1";
    public Uri Url => new(_addresses["DXYQ_CLUSTER_URL"]);
    public Uri Node(int i) => new(_addresses[$"DXYQ_NODE{i}_URL"]);

    public async Task InitializeAsync()
    {
        // The nodes' connection string carries characters a sed replacement would take as its own ('&', '#').
        ConnectionString = new Npgsql.NpgsqlConnectionStringBuilder(TestPostgres.CreateDatabase("dxyq_cluster")) { ApplicationName = ApplicationName }.ConnectionString;
        Peers.Token(Peer);
        Peers.Feed(Peer, "*", """{"changes":[],"cursor":"c1","more":false}""");
        // A crashed push holds its Idempotency-Key for this long: short here, so the clients' retries get through.
        string output;
        try
        {
            output = await ScriptAsync("start", "--nodes", "2", "--postgres", ConnectionString, "--app", AppContext.BaseDirectory,
                "--set", "Demo__Scale=0.02", "--set", "Push__IdempotencyKeyReservationTimeout=00:00:10",
                "--set", $"Supervision__Sweep__Interval={SweepInterval:c}",
                "--set", $"Federation__Peers__0__Code={Peer}", "--set", $"Federation__Peers__0__BaseUrl={Peers.BaseUrl(Peer)}",
                "--set", "Federation__Peers__0__ClientId=zj", "--set", "Federation__Peers__0__ClientSecret=secret",
                "--set", $"Federation__Harvest__Interval={HarvestInterval:c}",
                // A node killed mid-harvest holds the peer's harvest lease for twice this: short, so the survivor's turns come.
                "--set", "Federation__Harvest__Timeout=00:00:05",
                "--set", $"SensorBridge__ReadingRetentionInterval={PurgeInterval:c}",
                // An import whose node died is taken up by the other within these two: short, so the test waits less.
                "--set", "Imports__LeaseDuration=00:00:10", "--set", "Imports__OrphanScanInterval=00:00:02");
        }
        catch
        {
            // xUnit does not dispose a fixture whose start failed: stop what did start.
            await ScriptAsync("stop");
            throw;
        }
        _addresses = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2)).Where(p => p.Length == 2 && p[0].StartsWith("DXYQ_", StringComparison.Ordinal))
            .ToDictionary(p => p[0], p => p[1].Trim());
    }

    public async Task DisposeAsync()
    {
        await ScriptAsync("stop");
        Peers.Dispose();
    }

    /// <summary>SIGKILL of node <paramref name="node"/> through the script, and proof that it is gone (its port refuses connections).</summary>
    public async Task KillAsync(int node)
    {
        await ScriptAsync("kill", node.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Assert.ThrowsAsync<HttpRequestException>(() => probe.GetAsync(new Uri(Node(node), "/health/live")));
    }

    public Task RestartAsync(int node) => ScriptAsync("restart", node.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The process id of node <paramref name="node"/> (scripts/cluster's pid file), or null when it is not running.</summary>
    public int? NodePid(int node) =>
        File.Exists(Path.Combine(_directory, $"node{node}.pid")) ? int.Parse(File.ReadAllText(Path.Combine(_directory, $"node{node}.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>Runs <c>scripts/cluster ACTION … --dir</c> and returns its standard output; a non-zero exit fails the test with its output.</summary>
    public async Task<string> ScriptAsync(params string[] args)
    {
        var info = new ProcessStartInfo("bash", [RepoRoot.File("scripts/cluster"), .. args, "--dir", _directory])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/cluster {string.Join(' ', args)} exited {process.ExitCode}:\n{await stdout}\n{await stderr}");
        }
        return await stdout;
    }

    /// <summary>An administrator command of the deployed app (<c>dotnet DxyqOpenData.Api.dll …</c>) with the nodes' settings.</summary>
    public async Task<JsonNode> CommandAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "DxyqOpenData.Api.dll"), .. args])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var line in await File.ReadAllLinesAsync(Path.Combine(_directory, "node.env")))
        {
            if (line.Length > 0 && !line.StartsWith('#') && line.Split('=', 2) is [var key, var value]) info.Environment[key] = value;
        }
        info.Environment["Database__MigrateOnStartup"] = "false";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{string.Join(' ', args)} exited {process.ExitCode}: {await stderr}");
        return JsonNode.Parse(await stdout)!;
    }

    public async Task<RegisteredClient> AddClientAsync(string scopes, string? unit = null)
    {
        var json = await CommandAsync(unit is null ? ["clients", "add", "--name", "cluster", "--scopes", scopes] : ["clients", "add", "--name", "cluster", "--unit", unit, "--scopes", scopes]);
        return new RegisteredClient(json["clientId"]!.GetValue<string>(), json["clientSecret"]!.GetValue<string>());
    }

    /// <summary>
    /// The times node <paramref name="node"/> logged a message starting with <paramref name="prefix"/> (its JSON console
    /// log), less the message's <c>ElapsedMs</c> when it has one: when the work it reports began, which is what a turn's
    /// lease spaces out (a slow sweep logs late, and would otherwise seem to follow the next one closely).
    /// </summary>
    public List<DateTimeOffset> Logged(int node, string prefix)
    {
        var path = Path.Combine(_directory, $"node{node}.log");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var times = new List<DateTimeOffset>();
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            if (!line.StartsWith('{')) continue;
            var entry = JsonNode.Parse(line)!;
            if (entry["Message"]?.GetValue<string>() is { } message && message.StartsWith(prefix, StringComparison.Ordinal))
            {
                var elapsed = entry["State"]?["ElapsedMs"]?.ToString() is { } ms ? double.Parse(ms, System.Globalization.CultureInfo.InvariantCulture) : 0;
                times.Add(DateTimeOffset.Parse(entry["Timestamp"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture).AddMilliseconds(-elapsed));
            }
        }
        return times;
    }

    /// <summary>The node (1 or 2) holding lease <paramref name="name"/> in the <c>leases</c> table: its holder names the process (host/pid/start).</summary>
    public async Task<int> LeaseHolderAsync(string name)
    {
        var holder = (string?)(await QueryAsync($"SELECT holder FROM leases WHERE name = '{name}'")).Select(r => r[0]).SingleOrDefault();
        return new[] { 1, 2 }.Single(i => holder?.Split('/')[1] == NodePid(i)?.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public Task<List<object?[]>> QueryAsync(string sql) => NodeProcess.QueryAsync(DatabaseProvider.PostgreSql, ConnectionString, sql);
}

/// <summary>One cluster for <see cref="ClusterTests"/>, its tests run one after another (they kill and restart its nodes).</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "Cluster";
}

/// <summary>
/// A cluster of its own for <see cref="ClusterJobsTests"/>: they mostly wait out the jobs' intervals, so they run beside
/// <see cref="ClusterTests"/> rather than after them.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ClusterJobsCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "Cluster jobs";
}
