using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DxyqOpenData.Tests.Data;

/// <summary>
/// The node's SQLite connections, as EF opens them for every request: write-ahead log, a full sync at each commit (a
/// 2xx of the push API means durable, which WAL with NORMAL does not give across a power loss), foreign keys on, the
/// database file read through a memory map (every connection reads the same pages, no copy in each one's own cache).
/// </summary>
public sealed class SqliteSettingsTests(SqliteNode node) : IClassFixture<SqliteNode>
{
    [Fact]
    public async Task Every_connection_commits_durably_in_wal_mode_with_foreign_keys_and_reads_through_a_memory_map()
    {
        for (var round = 0; round < 2; round++) // the second round gets a pooled connection back
        {
            await using var scope = node.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
            await db.Database.OpenConnectionAsync();
            try
            {
                Assert.Equal("wal", await Pragma(db, "journal_mode"));
                Assert.Equal("2", await Pragma(db, "synchronous")); // 2 = FULL
                Assert.Equal("1", await Pragma(db, "foreign_keys"));
                Assert.Equal("268435456", await Pragma(db, "mmap_size"));
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }
    }

    private static async Task<string?> Pragma(CatalogDbContext db, string name)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = $"PRAGMA {name}";
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
