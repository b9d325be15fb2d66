using System.Data.Common;
using DxyqOpenData.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DxyqOpenData.Tests.Infrastructure;

/// <summary>
/// Plain SQL against a node's database, for figures computed independently of EF and OData: what the test
/// expects comes from here, what the node answers comes over HTTP.
/// </summary>
public static class Sql
{
    public static async Task<T> ScalarAsync<T>(this NodeFactory node, string sql)
    {
        var rows = await node.RowsAsync(sql);
        var value = rows.Single()[0];
        return (T)Convert.ChangeType(value!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static async Task<List<object?[]>> RowsAsync(this NodeFactory node, string sql)
    {
        await using var scope = node.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        try
        {
            await using DbCommand command = connection.CreateCommand();
            command.CommandText = sql;
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<object?[]>();
            while (await reader.ReadAsync())
            {
                var row = new object?[reader.FieldCount];
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                }
                rows.Add(row);
            }
            return rows;
        }
        finally
        {
            await connection.CloseAsync();
        }
    }
}
