using System.Data;
using System.Data.Common;
using DxyqOpenData.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace DxyqOpenData.Api.Reports;

/// <summary>
/// Runs one report statement on the context's connection (and transaction) and reads its rows. Instants are bound
/// untyped: each provider binds a UTC DateTime as its columns hold it (SQLite text, PostgreSQL timestamptz).
/// </summary>
internal static class ReportQuery
{
    public static async Task<List<T>> ReadAsync<T>(CatalogDbContext db, string sql, IReadOnlyDictionary<string, object?> parameters,
        Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        var opened = connection.State != ConnectionState.Open;
        if (opened)
        {
            await connection.OpenAsync(cancellationToken);
        }
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            foreach (var (name, value) in parameters)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = "@" + name;
                parameter.Value = value ?? DBNull.Value;
                switch (value)
                {
                    case null or string: parameter.DbType = DbType.String; break;
                    case double: parameter.DbType = DbType.Double; break;
                    case long: parameter.DbType = DbType.Int64; break;
                }
                command.Parameters.Add(parameter);
            }
            var rows = new List<T>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(read(reader));
            }
            return rows;
        }
        finally
        {
            if (opened)
            {
                await connection.CloseAsync();
            }
        }
    }

    /// <summary>A whole number the provider may hand back as long, int or decimal (a SUM); 0 for NULL.</summary>
    public static long Long(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? 0 : Convert.ToInt64(reader.GetValue(ordinal));

    /// <summary>A number rounded to 2 places; 0 for NULL.</summary>
    public static double Hours(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? 0 : Math.Round(Convert.ToDouble(reader.GetValue(ordinal)), 2);
}
