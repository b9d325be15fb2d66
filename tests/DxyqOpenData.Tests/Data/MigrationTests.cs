using System.Data.Common;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace DxyqOpenData.Tests.Data;

/// <summary>
/// Each provider's migrations build the schema from nothing, and each snapshot matches the model: an entity
/// changed without a migration turns this red.
/// </summary>
public sealed class MigrationTests
{
    private const string AddMigrationHint = "the model has changes no migration covers: run scripts/add-migration.sh <Name> (see docs/data-model.md, \"Adding a migration\")";

    private static readonly string[] ExpectedTables = ["units", "instruments", "service_offerings", "service_records", "datasets", "sensors", "usage_sessions", "alerts", "signing_keys", "openiddict_applications"];

    [Fact]
    public async Task Sqlite_migrations_apply_to_an_empty_database()
    {
        var file = Path.Combine(Path.GetTempPath(), $"dxyq-migrations-{Guid.NewGuid():N}.db");
        try
        {
            var o = new DbContextOptionsBuilder<SqliteCatalogDbContext>();
            DatabaseSetup.ConfigureSqlite(o, $"Data Source={file}");
            await using var db = new SqliteCatalogDbContext(o.Options);

            await AssertMigratesFromEmpty(db,
                tablesSql: "SELECT name FROM sqlite_master WHERE type = 'table'",
                indexesSql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'instruments'");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(file + suffix);
            }
        }
    }

    [Fact]
    public async Task PostgreSql_migrations_apply_to_an_empty_database()
    {
        var o = new DbContextOptionsBuilder<PostgreSqlCatalogDbContext>();
        DatabaseSetup.ConfigurePostgreSql(o, TestPostgres.CreateDatabase("dxyq_migrations"));
        await using var db = new PostgreSqlCatalogDbContext(o.Options);

        await AssertMigratesFromEmpty(db,
            tablesSql: "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
            indexesSql: "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'instruments'");
    }

    [Fact]
    public void SqlServer_idempotent_script_generates_without_a_server()
    {
        using var db = SqlServer();
        var script = db.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);

        Assert.Contains("CREATE TABLE [instruments]", script);
        Assert.Contains("CREATE TABLE [service_records]", script);
        Assert.Contains("[ix_instruments_price_fen_name_is_confidential]", script);
        Assert.Contains("CREATE TRIGGER instruments_changes ON instruments", script);
        // Idempotent: every migration is guarded by a look-up in the history table.
        foreach (var migration in db.Database.GetMigrations())
        {
            Assert.Contains($"WHERE [MigrationId] = N'{migration}'", script);
        }
    }

    [Fact]
    public void Sqlite_model_matches_its_snapshot()
    {
        var o = new DbContextOptionsBuilder<SqliteCatalogDbContext>();
        DatabaseSetup.ConfigureSqlite(o, "Data Source=:memory:");
        using var db = new SqliteCatalogDbContext(o.Options);
        Assert.False(db.Database.HasPendingModelChanges(), $"SQLite: {AddMigrationHint}");
    }

    [Fact]
    public void PostgreSql_model_matches_its_snapshot()
    {
        var o = new DbContextOptionsBuilder<PostgreSqlCatalogDbContext>();
        DatabaseSetup.ConfigurePostgreSql(o, "Host=never-opened;Database=none");
        using var db = new PostgreSqlCatalogDbContext(o.Options);
        Assert.False(db.Database.HasPendingModelChanges(), $"PostgreSQL: {AddMigrationHint}");
    }

    [Fact]
    public void SqlServer_model_matches_its_snapshot()
    {
        using var db = SqlServer();
        Assert.False(db.Database.HasPendingModelChanges(), $"SQL Server: {AddMigrationHint}");
    }

    private static SqlServerCatalogDbContext SqlServer()
    {
        var o = new DbContextOptionsBuilder<SqlServerCatalogDbContext>();
        DatabaseSetup.ConfigureSqlServer(o, "Server=never-opened;Database=none;TrustServerCertificate=True");
        return new SqlServerCatalogDbContext(o.Options);
    }

    private static async Task AssertMigratesFromEmpty(CatalogDbContext db, string tablesSql, string indexesSql)
    {
        Assert.Empty(await db.Database.GetAppliedMigrationsAsync());

        await db.Database.MigrateAsync();

        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
        var tables = await Names(db, tablesSql);
        foreach (var table in ExpectedTables)
        {
            Assert.Contains(table, tables);
        }
        Assert.Contains("ix_instruments_price_fen_name_is_confidential", await Names(db, indexesSql));
    }

    private static async Task<List<string>> Names(CatalogDbContext db, string sql)
    {
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        try
        {
            await using DbCommand command = connection.CreateCommand();
            command.CommandText = sql;
            var names = new List<string>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                names.Add(reader.GetString(0));
            }
            return names;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
