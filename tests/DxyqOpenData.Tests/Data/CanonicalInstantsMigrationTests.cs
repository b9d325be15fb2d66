using System.Globalization;
using DxyqOpenData.Api.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace DxyqOpenData.Tests.Data;

/// <summary>
/// A SQLite database written before instants had one stored form gets them rewritten by the <c>CanonicalInstants</c>
/// migration: random instants (seeded) stored as linq2db's bulk copy wrote them (<c>…:ss.fff</c>) and as EF wrote them
/// (seven fraction digits) read back in EF's form to the microsecond, worked out here with .NET's formatting.
/// </summary>
public sealed class CanonicalInstantsMigrationTests
{
    [Fact]
    public async Task Sqlite_instants_in_older_forms_are_rewritten_in_efs_form_to_the_microsecond()
    {
        var file = Path.Combine(Path.GetTempPath(), $"dxyq-instants-{Guid.NewGuid():N}.db");
        try
        {
            var o = new DbContextOptionsBuilder<SqliteCatalogDbContext>();
            DatabaseSetup.ConfigureSqlite(o, $"Data Source={file}");
            await using var db = new SqliteCatalogDbContext(o.Options);
            var migrations = db.Database.GetMigrations().ToList();
            var canonical = migrations.FindIndex(m => m.EndsWith("_CanonicalInstants", StringComparison.Ordinal));
            Assert.True(canonical > 0, "no CanonicalInstants migration after Initial");
            await db.GetService<IMigrator>().MigrateAsync(migrations[canonical - 1]);

            var random = new Random(7);
            var expected = new Dictionary<string, string>();
            for (var i = 0; i < 200; i++)
            {
                var instant = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks((long)(random.NextDouble() * TimeSpan.TicksPerDay * 2000));
                if (i % 4 == 0)
                {
                    instant = new DateTime(instant.Ticks - instant.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
                }
                var stored = i % 2 == 0
                    ? instant.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)
                    : instant.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
                var wrote = i % 2 == 0 ? new DateTime(instant.Ticks - instant.Ticks % TimeSpan.TicksPerMillisecond) : instant;
                expected[$"k{i}"] = new DateTime(wrote.Ticks - wrote.Ticks % 10).ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
                await db.Database.ExecuteSqlRawAsync("INSERT INTO node_settings (name, value, created_at) VALUES ({0}, 'x', {1})", $"k{i}", stored);
            }

            await db.Database.MigrateAsync();

            var connection = (SqliteConnection)db.Database.GetDbConnection();
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT name, created_at FROM node_settings";
            await using var reader = await command.ExecuteReaderAsync();
            var actual = new Dictionary<string, string>();
            while (await reader.ReadAsync())
            {
                actual[reader.GetString(0)] = reader.GetString(1);
            }
            Assert.Equal(expected.OrderBy(e => e.Key), actual.OrderBy(a => a.Key));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(file + suffix);
            }
        }
    }
}
