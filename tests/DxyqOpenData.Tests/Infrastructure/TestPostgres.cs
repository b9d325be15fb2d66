using Npgsql;

namespace DxyqOpenData.Tests.Infrastructure;

/// <summary>
/// The real PostgreSQL server the tests run against. <c>./test.sh</c> starts a throwaway cluster and exports
/// DXYQ_TEST_POSTGRES; each fixture gets a database of its own on it. No server is a failure, not a skip.
/// </summary>
public static class TestPostgres
{
    public const string EnvironmentVariable = "DXYQ_TEST_POSTGRES";

    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                $"{EnvironmentVariable} is not set: run the tests with ./test.sh, which starts a throwaway PostgreSQL cluster.");

    /// <summary>Creates an empty database, or a copy of <paramref name="template"/>, and returns its connection string.</summary>
    public static string CreateDatabase(string prefix = "dxyq_test", string? template = null)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..40];
        using (var connection = new NpgsqlConnection(ServerConnectionString))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            // FILE_COPY copies the files (the cluster runs with fsync off): half the time of PostgreSQL 15's default,
            // which writes the whole copy through the WAL.
            command.CommandText = $"CREATE DATABASE \"{name}\" TEMPLATE \"{template ?? "template1"}\" STRATEGY FILE_COPY";
            command.ExecuteNonQuery();
        }
        return new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = name }.ConnectionString;
    }
}
