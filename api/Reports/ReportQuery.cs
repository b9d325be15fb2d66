using System.Data;
using System.Data.Common;
using DxyqOpenData.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace DxyqOpenData.Api.Reports;

/// <summary>
/// Runs one report statement on the context's connection (inside its transaction, if any) and reads its rows. The
/// statement's only inputs are the parameters given.
/// </summary>
internal static class ReportQuery
{
    public static async Task<List<T>> RunAsync<T>(CatalogDbContext db, string sql, IEnumerable<(string Name, object? Value, DbType? Type)> parameters,
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
            foreach (var (name, value, type) in parameters)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = "@" + name;
                parameter.Value = value ?? DBNull.Value;
                if (type is { } t)
                {
                    parameter.DbType = t;
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
