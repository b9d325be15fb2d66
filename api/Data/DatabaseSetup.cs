using System.ComponentModel.DataAnnotations;
using System.Data.Common;
using DxyqOpenData.Api.Operations;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace DxyqOpenData.Api.Data;

public enum DatabaseProvider { Sqlite, PostgreSql, SqlServer }

/// <summary>The <c>Database</c> section: which provider, where, and whether to migrate at start-up.</summary>
public sealed class DatabaseOptions : IValidatableObject
{
    [EnumDataType(typeof(DatabaseProvider), ErrorMessage = "Database:Provider must be Sqlite, PostgreSql or SqlServer.")]
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;
    /// <summary>Defaults to a SQLite file under ./data/.</summary>
    public string? ConnectionString { get; set; }
    public bool MigrateOnStartup { get; set; } = true;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Provider != DatabaseProvider.Sqlite && string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return new ValidationResult($"Database:ConnectionString is required for provider {Provider}.", [nameof(ConnectionString)]);
        }
    }

    public string EffectiveConnectionString => ConnectionString is { Length: > 0 } cs
        ? cs
        : Provider == DatabaseProvider.Sqlite
            ? "Data Source=data/dxyq.db"
            : throw new InvalidOperationException($"Database:ConnectionString is required for provider {Provider}.");
}

public static class DatabaseSetup
{
    public static IHostApplicationBuilder AddCatalogDatabase(this IHostApplicationBuilder builder)
    {
        var options = builder.AddSettings<DatabaseOptions>("Database");
        switch (options.Provider)
        {
            case DatabaseProvider.Sqlite:
                builder.Services.AddDbContextPool<CatalogDbContext, SqliteCatalogDbContext>(o => ConfigureSqlite(o, options.EffectiveConnectionString));
                break;
            case DatabaseProvider.PostgreSql:
                builder.Services.AddDbContextPool<CatalogDbContext, PostgreSqlCatalogDbContext>(o => ConfigurePostgreSql(o, options.EffectiveConnectionString));
                break;
            case DatabaseProvider.SqlServer:
                builder.Services.AddDbContextPool<CatalogDbContext, SqlServerCatalogDbContext>(o => ConfigureSqlServer(o, options.EffectiveConnectionString));
                break;
            default:
                throw new InvalidOperationException($"Unknown Database:Provider '{options.Provider}'.");
        }
        return builder;
    }

    public static void ConfigureSqlite(DbContextOptionsBuilder o, string connectionString)
    {
        var csb = new SqliteConnectionStringBuilder(connectionString);
        if (csb.DataSource is { Length: > 0 } file && file != ":memory:" && Path.GetDirectoryName(Path.GetFullPath(file)) is { } dir)
        {
            Directory.CreateDirectory(dir);
        }
        o.UseSqlite(connectionString, s => s.CommandTimeout(60).UseQuerySplittingBehavior(QuerySplittingBehavior.SplitQuery))
            .AddInterceptors(SqlitePragmas.Instance);
        Common(o);
    }

    public static void ConfigurePostgreSql(DbContextOptionsBuilder o, string connectionString)
    {
        o.UseNpgsql(connectionString, s => s.CommandTimeout(60).UseQuerySplittingBehavior(QuerySplittingBehavior.SplitQuery))
            // OData's null ordering (nulls first ascending) on catalog queries, as SQLite and SQL Server do it.
            .AddInterceptors(Catalog.NullsFirstOrdering.Instance);
        Common(o);
    }

    public static void ConfigureSqlServer(DbContextOptionsBuilder o, string connectionString)
    {
        o.UseSqlServer(connectionString, s => s.CommandTimeout(60).UseQuerySplittingBehavior(QuerySplittingBehavior.SplitQuery));
        Common(o);
    }

    private static void Common(DbContextOptionsBuilder o)
    {
        // Reads dominate: no change tracking unless a writer asks for it.
        o.UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking);
        o.AddInterceptors(AggregateUnflattener.Instance, MoneyArithmetic.Instance, ApplyAliasTypes.Instance);
        // A query EF cannot translate must fail, not quietly load a table into memory.
        // Service records and alerts keep pointing at confidential instruments: they are read by the owning unit,
        // which knows them. The public dependents (offerings, usage sessions) carry the instrument's filter.
        o.ConfigureWarnings(w => w
            .Throw(RelationalEventId.MultipleCollectionIncludeWarning)
            // A model changed without a migration is MigrationTests' catch (*_model_matches_its_snapshot, per provider):
            // EF's own check builds two more models and diffs them at every MigrateAsync, each node start and command.
            .Ignore(RelationalEventId.PendingModelChangesWarning)
            .Ignore(CoreEventId.PossibleIncorrectRequiredNavigationWithQueryFilterInteractionWarning));
    }

    /// <summary>Applies pending migrations (the default at start-up); WAL mode on SQLite.</summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
        // The migrations were squashed into one Initial before the first release: a database made by the old ones
        // would fail half-way through Initial ("table already exists"); say what it is instead.
        var applied = (await db.Database.GetAppliedMigrationsAsync(cancellationToken)).ToList();
        var unknown = applied.Except(db.Database.GetMigrations()).ToList();
        if (unknown.Count > 0 && unknown.Count == applied.Count)
        {
            throw new InvalidOperationException(
                $"The database has migrations this node does not know ({string.Join(", ", unknown.Take(3))}): it was made by a pre-release build. " +
                "Start from an empty database (SQLite: delete api/data/dxyq.db), see docs/operations.md.");
        }
        await db.Database.MigrateAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            // WAL persists in the file: readers never wait for the writer.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }
}

/// <summary>
/// Per-connection SQLite settings. <c>synchronous=FULL</c>: in WAL mode every commit syncs the log, so a committed
/// write survives a power loss or an OS crash, not only a crash of the node — a 2xx of the push API means durable
/// (with NORMAL, the last commits before a power loss could be rolled back). The cost is one fsync per transaction,
/// and the writers here commit batches. A busy writer is waited for; foreign keys are enforced. The database file is
/// read through a memory map (<c>mmap_size</c>, up to 256 MB): every pooled connection reads the same pages from the
/// OS page cache instead of copying them into a small cache of its own, which a request often finds cold (a count over
/// a thousand rows: 0.5 ms without, 0.2 ms with). Writes still go through the log. <c>LIKE</c> is case-sensitive
/// (<c>case_sensitive_like</c>, as Microsoft.Data.Sqlite's docs advise): EF translates <c>startswith</c> and
/// <c>endswith</c> with a literal to <c>LIKE 'x%'</c>, which SQLite otherwise matches ignoring the case of A–Z, where
/// OData compares strings case-sensitively (as PostgreSQL's <c>LIKE</c> and <c>contains</c>' <c>instr</c> do).
/// SQLite's own <c>lower</c> and <c>upper</c> fold A–Z only; OData's <c>tolower</c>/<c>toupper</c> follow Unicode, as
/// PostgreSQL's do (<c>tolower(model) eq 'äkta pure'</c>), so each connection has them from .NET's invariant culture
/// (Microsoft.Data.Sqlite re-registers a connection's functions whenever it opens).
/// </summary>
internal sealed class SqlitePragmas : DbConnectionInterceptor
{
    public static readonly SqlitePragmas Instance = new();

    public override DbConnection ConnectionCreated(ConnectionCreatedEventData eventData, DbConnection result)
    {
        if (result is SqliteConnection sqlite)
        {
            sqlite.CreateFunction("lower", (string? text) => text?.ToLowerInvariant(), isDeterministic: true);
            sqlite.CreateFunction("upper", (string? text) => text?.ToUpperInvariant(), isDeterministic: true);
        }
        return result;
    }

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private static void Apply(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON; PRAGMA mmap_size=268435456; PRAGMA case_sensitive_like=ON;";
        command.ExecuteNonQuery();
    }
}
