using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace DxyqOpenData.Tests.Sensors;

/// <summary>
/// The node as its own process (<c>dotnet DxyqOpenData.Api.dll</c> from the test's output), configured by environment
/// variables on top of <see cref="NodeFactory.Defaults"/>, so a test can kill it with SIGKILL mid-stream and start
/// another on the same database.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;

    private bool _disposed;

    private NodeProcess(Process process) => _process = process;

    private System.Collections.Concurrent.ConcurrentQueue<string> _log = new();

    /// <summary>The last 500 lines the node wrote (warnings and errors at the test's log level), for a failing test to show.</summary>
    public IReadOnlyList<string> Log => [.. _log];

    /// <summary>The node's process id (a lease's holder names it).</summary>
    public int ProcessId => _process.Id;

    /// <summary>The node's base address, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public Uri Address { get; private init; } = null!;

    public static async Task<NodeProcess> StartAsync(DatabaseProvider provider, string connectionString, IReadOnlyDictionary<string, string?> settings)
    {
        var port = Ports();
        var process = Process.Start(Info(provider, connectionString, settings, ["--urls", $"http://127.0.0.1:{port}"]))!;
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        void Keep(string? line)
        {
            if (line is null) return;
            log.Enqueue(line);
            while (log.Count > 500) log.TryDequeue(out _);
        }
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        for (var deadline = DateTime.UtcNow.AddMinutes(3); DateTime.UtcNow < deadline && !process.HasExited; await Task.Delay(250))
        {
            try
            {
                // Ready includes the sensor bridge: sensors loaded and the broker subscription in place.
                if ((await http.GetAsync($"http://127.0.0.1:{port}/health/ready")).IsSuccessStatusCode)
                {
                    return new NodeProcess(process) { Address = new Uri($"http://127.0.0.1:{port}"), _log = log };
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
        }
        if (!process.HasExited) process.Kill();
        throw new InvalidOperationException($"the node process did not get ready (exit code {(process.HasExited ? process.ExitCode : -1)})");
    }

    /// <summary>
    /// A database for node processes with <see cref="NodeFactory.Defaults"/>' data: a copy of the run's migrated,
    /// demo-loaded template (<see cref="DatabaseTemplates"/>), as in-process test nodes get, instead of each node process
    /// migrating and loading an empty one. SQLite: a file in the temp directory named after <paramref name="prefix"/>.
    /// </summary>
    public static string CreateDatabase(DatabaseProvider provider, string prefix)
    {
        var template = DatabaseTemplates.For(provider, NodeFactory.Defaults, clock: null)
            ?? throw new InvalidOperationException("the test defaults migrate on start-up: there is a template");
        return provider == DatabaseProvider.Sqlite
            ? DatabaseTemplates.CopySqlite(template, Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}.db"))
            : TestPostgres.CreateDatabase(template: template);
    }

    /// <summary>
    /// One of the api program's commands (<c>clients add …</c>) on the same configuration, as an operator runs it:
    /// its exit code and standard output.
    /// </summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunCommandAsync(DatabaseProvider provider, string connectionString,
        IReadOnlyDictionary<string, string?> settings, params string[] args)
    {
        using var process = Process.Start(Info(provider, connectionString, settings, args))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        return (process.ExitCode, await output, await error);
    }

    private static ProcessStartInfo Info(DatabaseProvider provider, string connectionString, IReadOnlyDictionary<string, string?> settings, string[] args)
    {
        var info = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "DxyqOpenData.Api.dll"), .. args])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        info.Environment["Database__Provider"] = provider.ToString();
        info.Environment["Database__ConnectionString"] = connectionString;
        foreach (var (key, value) in NodeFactory.Defaults.Concat(settings))
        {
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        return info;
    }

    /// <summary>SIGKILL: nothing is drained, stored or acknowledged on the way out.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await KillAsync();
        _process.Dispose();
    }

    /// <summary>
    /// The first <paramref name="count"/> active sensors with an instrument (by id; also meeting <paramref name="where"/>),
    /// made canonical (and given <paramref name="heartbeatSeconds"/>) in the database: done before a node starts, its
    /// bridge's first load of the sensors has them so.
    /// </summary>
    public static async Task<List<string>> CanonicalSensorsAsync(DatabaseProvider provider, string connectionString, int count,
        string? where = null, int? heartbeatSeconds = null)
    {
        var ids = (await QueryAsync(provider, connectionString,
                $"SELECT id FROM sensors WHERE status = 'active' AND instrument_id IS NOT NULL{(where is null ? "" : $" AND {where}")} ORDER BY id"))
            .Select(r => (string)r[0]!).Take(count).ToList();
        Assert.Equal(count, ids.Count);
        await QueryAsync(provider, connectionString, $"UPDATE sensors SET format = 'canonical'"
            + (heartbeatSeconds is { } heartbeat ? $", heartbeat_seconds = {heartbeat}" : "")
            + $" WHERE id IN ({string.Join(", ", ids.Select(id => $"'{id}'"))})");
        return ids;
    }

    public static async Task<List<object?[]>> QueryAsync(DatabaseProvider provider, string connectionString, string sql)
    {
        await using DbConnection connection = provider == DatabaseProvider.Sqlite ? new SqliteConnection(connectionString) : new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    private static int Ports()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
