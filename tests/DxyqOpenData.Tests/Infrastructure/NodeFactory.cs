using DxyqOpenData.Api.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DxyqOpenData.Tests.Infrastructure;

/// <summary>
/// One node, in process, on a real database of the given provider: SQLite in a temp file, or a fresh database
/// on the test PostgreSQL server. Demo data is loaded at a small scale unless a test says otherwise. Given a
/// connection string, the node opens that database instead (a second node on the first one's data, a restart).
/// </summary>
public class NodeFactory(DatabaseProvider provider, IReadOnlyDictionary<string, string?>? settings = null, string? connectionString = null)
    : WebApplicationFactory<Program>
{
    private readonly string? _sqliteFile = provider == DatabaseProvider.Sqlite && connectionString is null
        ? Path.Combine(Path.GetTempPath(), $"dxyq-test-{Guid.NewGuid():N}.db")
        : null;

    private string? _connectionString = connectionString;

    public DatabaseProvider Provider => provider;

    /// <summary>The node's clock (TimeProvider) when a test sets the time; the system clock otherwise.</summary>
    public TimeProvider? Clock { get; init; }

    /// <summary>
    /// Start on an empty database and migrate and load it, instead of on a copy of the run's template
    /// (<see cref="DatabaseTemplates"/>): for tests of the migrations and the demo loader themselves.
    /// </summary>
    public bool FreshDatabase { get; init; }

    public string ConnectionString => _connectionString ??= CreateDatabase();

    private string CreateDatabase()
    {
        var template = FreshDatabase ? null : DatabaseTemplates.For(provider, Effective(settings), Clock);
        return provider switch
        {
            DatabaseProvider.Sqlite => template is null ? $"Data Source={_sqliteFile}" : DatabaseTemplates.CopySqlite(template, _sqliteFile!),
            DatabaseProvider.PostgreSql => TestPostgres.CreateDatabase(template: template),
            _ => throw new NotSupportedException($"No test server for {provider}."),
        };
    }

    private static Dictionary<string, string?> Effective(IReadOnlyDictionary<string, string?>? settings)
    {
        var effective = new Dictionary<string, string?>(Defaults, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            effective[key] = value;
        }
        return effective;
    }

    /// <summary>Settings every test node starts with; a test's own settings win.</summary>
    public static IReadOnlyDictionary<string, string?> Defaults { get; } = new Dictionary<string, string?>
    {
        ["Demo:Enabled"] = "true",
        ["Demo:Seed"] = "42",
        ["Demo:Scale"] = "0.02",
        ["SensorBridge:Enabled"] = "false",
        // Tests harvest when they say so (POST /federation/harvest), not in the background.
        ["Federation:Harvest:Enabled"] = "false",
        // Tests sweep when they say so (POST /api/v1/supervision/sweep); the demo load sweeps once itself.
        ["Supervision:Sweep:Enabled"] = "false",
        // Test output shows warnings and errors only, one line each: the node's JSON request logs would drown it.
        ["Logging:Console:FormatterName"] = "simple",
        ["Logging:Console:FormatterOptions:TimestampFormat"] = "HH:mm:ss.fff ",
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware"] = "Warning",
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Database:Provider", provider.ToString());
        builder.UseSetting("Database:ConnectionString", ConnectionString);
        foreach (var (key, value) in Defaults)
        {
            builder.UseSetting(key, value);
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }
        if (Clock is { } clock)
        {
            builder.ConfigureServices(services => services.AddSingleton(clock));
        }
    }

    /// <summary>
    /// Serves the node on a real Kestrel port on loopback (for clients outside the process: a browser, peers, the
    /// CLI) and returns its address, e.g. <c>http://127.0.0.1:40123</c>.
    /// </summary>
    public string StartOnLoopback()
    {
        UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        StartServer();
        return Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.Single();
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && _sqliteFile is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                try { File.Delete(_sqliteFile + suffix); } catch (IOException) { }
            }
        }
    }
}

public sealed class SqliteNode() : NodeFactory(DatabaseProvider.Sqlite);

public sealed class PostgreSqlNode() : NodeFactory(DatabaseProvider.PostgreSql);
