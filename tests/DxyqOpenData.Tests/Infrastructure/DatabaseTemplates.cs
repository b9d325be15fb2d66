using System.Collections.Concurrent;
using DxyqOpenData.Api.Data;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace DxyqOpenData.Tests.Infrastructure;

/// <summary>
/// Migrated, demo-loaded databases made once per test run and copied for each node (a SQLite file copy, PostgreSQL's
/// <c>CREATE DATABASE … TEMPLATE</c>), one per provider and per configuration the start-up data depends on. A template is
/// made by a real node start on an empty database, so it holds exactly what a fresh node would; the rows that are one
/// node's own (signing keys, the generated link key, leases) are removed, so each copy makes its own.
/// </summary>
public static class DatabaseTemplates
{
    // What a node writes at start-up depends on these (docs: the demo data is a function of Demo:* and Node:Code;
    // the load sweeps once with Supervision:*).
    private static readonly string[] DataPrefixes = ["Demo:", "Node:", "Supervision:", "Vouchers:", "Sensors:"];

    private static readonly ConcurrentDictionary<string, Lazy<string>> Templates = new(StringComparer.Ordinal);

    /// <summary>
    /// The template for a node with these settings, made on first use; null when the node must start on an empty
    /// database (migrations off, a database of its own choosing).
    /// </summary>
    public static string? For(DatabaseProvider provider, IReadOnlyDictionary<string, string?> settings, TimeProvider? clock)
    {
        if (settings.TryGetValue("Database:MigrateOnStartup", out var migrate) && !string.Equals(migrate, "true", StringComparison.OrdinalIgnoreCase)
            || settings.ContainsKey("Database:ConnectionString"))
        {
            return null;
        }
        var data = settings.Where(s => DataPrefixes.Any(p => s.Key.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            .OrderBy(s => s.Key, StringComparer.Ordinal).ToList();
        // The demo data runs up to today and the load sweeps at the node's time: a test clock's time is part of the key.
        var time = clock is null ? DateTime.UtcNow.ToString("yyyy-MM-dd") : clock.GetUtcNow().ToString("O");
        var key = $"{provider}|{time}|{string.Join(";", data.Select(s => $"{s.Key}={s.Value}"))}";
        return Templates.GetOrAdd(key, _ => new Lazy<string>(() => Build(provider, data, clock))).Value;
    }

    /// <summary>A copy of a SQLite template at <paramref name="file"/>; its connection string.</summary>
    public static string CopySqlite(string template, string file)
    {
        File.Copy(template, file);
        return $"Data Source={file}";
    }

    private static string Build(DatabaseProvider provider, IReadOnlyList<KeyValuePair<string, string?>> data, TimeProvider? clock)
    {
        var name = $"dxyq_template_{Guid.NewGuid():N}"[..40];
        var file = Path.Combine(Path.GetTempPath(), name + ".db");
        var connectionString = provider switch
        {
            DatabaseProvider.Sqlite => $"Data Source={file}",
            DatabaseProvider.PostgreSql => TestPostgres.CreateDatabase("dxyq_template"),
            _ => throw new NotSupportedException($"No test server for {provider}."),
        };
        // Background work that would write, listen on ports or reach peers stays off while the template is made.
        var settings = new Dictionary<string, string?>(data)
        {
            ["SensorBridge:Enabled"] = "false",
            ["Federation:Harvest:Enabled"] = "false",
            ["Supervision:Sweep:Enabled"] = "false",
        };
        using (var node = new NodeFactory(provider, settings, connectionString) { Clock = clock, FreshDatabase = true })
        {
            _ = node.Services; // starts the node: migrations, calendar, demo data
        }
        const string ownRows = "DELETE FROM leases; DELETE FROM signing_keys; DELETE FROM node_settings;";
        if (provider == DatabaseProvider.Sqlite)
        {
            using (var connection = new SqliteConnection(connectionString))
            {
                connection.Open();
                using var command = connection.CreateCommand();
                // The copy is the main file alone: everything in it, the log emptied.
                command.CommandText = ownRows + " PRAGMA wal_checkpoint(TRUNCATE);";
                command.ExecuteNonQuery();
            }
            SqliteConnection.ClearAllPools();
            AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(file);
            return file;
        }
        using (var connection = new NpgsqlConnection(connectionString))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = ownRows;
            command.ExecuteNonQuery();
        }
        // CREATE DATABASE … TEMPLATE needs the template without sessions: close the pooled ones.
        NpgsqlConnection.ClearPool(new NpgsqlConnection(connectionString));
        return new NpgsqlConnectionStringBuilder(connectionString).Database!;
    }
}
