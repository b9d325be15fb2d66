using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using DxyqOpenData.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace DxyqOpenData.Api.Push;

/// <summary>
/// New rows into SQLite the fast way: one prepared <c>INSERT</c> of one row, its parameters rebound for every row,
/// inside the caller's transaction (SQLite parses and plans the statement once; a multi-row bulk statement is parsed
/// anew per chunk and binds thousands of parameters). Columns and values come from the EF model, through each
/// property's own type mapping and value converter (money in fen, enums by wire name, UTC times, GUIDs as text), so
/// the rows are stored exactly as EF's <c>SaveChanges</c> would store them.
/// </summary>
internal static class SqliteRowInserter
{
    private sealed record Column(IProperty Property, RelationalTypeMapping Mapping, Func<object, object?> Read);

    private sealed record Plan(string Sql, Column[] Columns);

    private static readonly ConcurrentDictionary<(IModel, Type), Plan?> Plans = new();

    /// <summary>Whether <typeparamref name="T"/> can be written this way (every column a plain, writable property).</summary>
    public static bool Supports<T>(CatalogDbContext db) => PlanFor(db, typeof(T)) is not null;

    public static async Task InsertAsync<T>(CatalogDbContext db, IReadOnlyList<T> rows, CancellationToken cancellationToken) where T : class
    {
        var plan = PlanFor(db, typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} cannot be inserted row by row.");
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Rows are inserted inside the caller's transaction.");
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.Transaction = transaction;
            command.CommandText = plan.Sql;
            var parameters = new DbParameter[plan.Columns.Length];
            for (var c = 0; c < plan.Columns.Length; c++)
            {
                var column = plan.Columns[c];
                // The mapping configures the parameter (e.g. GUIDs as text) and converts the model value itself.
                parameters[c] = column.Mapping.CreateParameter(command, "@p" + c, column.Read(rows[0]), column.Property.IsNullable);
                command.Parameters.Add(parameters[c]);
            }
            command.Prepare();
            for (var r = 0; r < rows.Count; r++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (r > 0)
                {
                    for (var c = 0; c < parameters.Length; c++)
                    {
                        parameters[c].Value = Value(plan.Columns[c], rows[r]) ?? DBNull.Value;
                    }
                }
                // Microsoft.Data.Sqlite runs every command synchronously; the async form would only add overhead.
                command.ExecuteNonQuery();
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static object? Value(Column column, object row)
    {
        var value = column.Read(row);
        return value is null ? null : column.Mapping.Converter is { } converter ? converter.ConvertToProvider(value) : value;
    }

    private static Plan? PlanFor(CatalogDbContext db, Type type) => Plans.GetOrAdd((db.Model, type), key =>
    {
        var entityType = key.Item1.FindEntityType(key.Item2);
        if (entityType?.GetTableName() is not { } tableName)
        {
            return null;
        }
        var table = StoreObjectIdentifier.Table(tableName, entityType.GetSchema());
        var sql = db.GetService<ISqlGenerationHelper>();
        var columns = new List<Column>();
        foreach (var property in entityType.GetProperties())
        {
            if (property.GetColumnName(table) is null)
            {
                continue;
            }
            if (property.IsShadowProperty() || property.PropertyInfo is null || property.GetComputedColumnSql() is not null
                || property.GetDefaultValueSql() is not null || property.ValueGenerated != ValueGenerated.Never && !property.IsKey()
                || property.GetRelationalTypeMapping() is not { } mapping)
            {
                return null; // a column this writer would not fill as EF does: leave the type to the bulk copy
            }
            var getter = property.GetGetter();
            columns.Add(new Column(property, mapping, getter.GetClrValueUsingContainingEntity));
        }
        var names = string.Join(", ", columns.Select(c => sql.DelimitIdentifier(c.Property.GetColumnName(table)!)));
        var values = string.Join(", ", columns.Select((_, i) => "@p" + i));
        return new Plan($"INSERT INTO {sql.DelimitIdentifier(tableName, entityType.GetSchema())} ({names}) VALUES ({values})", [.. columns]);
    });
}
