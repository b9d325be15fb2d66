using System.Collections.Concurrent;
using DxyqOpenData.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace DxyqOpenData.Api.Push;

/// <summary>
/// New rows into SQLite the fast way: one prepared <c>INSERT</c> of one row (a <see cref="RowStatement"/>), its
/// parameters rebound for every row, inside the caller's transaction (SQLite parses and plans the statement once; a
/// multi-row bulk statement is parsed anew per chunk and binds thousands of parameters). Columns and values come from the EF model, through each
/// property's own type mapping and value converter (money in fen, enums by wire name, UTC times, GUIDs as text), so
/// the rows are stored exactly as EF's <c>SaveChanges</c> would store them.
/// </summary>
internal static class SqliteRowInserter
{
    private sealed record Plan(string Sql, string[] Properties, Func<object, object?>[] Reads);

    private static readonly ConcurrentDictionary<(IModel, Type), Plan?> Plans = new();

    /// <summary>Whether <typeparamref name="T"/> can be written this way (every column a plain, writable property).</summary>
    public static bool Supports<T>(CatalogDbContext db) => PlanFor(db, typeof(T)) is not null;

    public static async Task InsertAsync<T>(CatalogDbContext db, IReadOnlyList<T> rows, CancellationToken cancellationToken) where T : class
    {
        var plan = PlanFor(db, typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} cannot be inserted row by row.");
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Rows are inserted inside the caller's transaction.");
        }
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var insert = new RowStatement(db, typeof(T), plan.Sql, plan.Properties);
            var values = new object?[plan.Reads.Length];
            foreach (var row in rows)
            {
                cancellationToken.ThrowIfCancellationRequested();
                for (var c = 0; c < values.Length; c++)
                {
                    values[c] = plan.Reads[c](row);
                }
                insert.Run(values);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static Plan? PlanFor(CatalogDbContext db, Type type) => Plans.GetOrAdd((db.Model, type), key =>
    {
        var entityType = key.Item1.FindEntityType(key.Item2);
        if (entityType?.GetTableName() is not { } tableName)
        {
            return null;
        }
        var table = StoreObjectIdentifier.Table(tableName, entityType.GetSchema());
        var columns = new List<IProperty>();
        foreach (var property in entityType.GetProperties())
        {
            if (property.GetColumnName(table) is null)
            {
                continue;
            }
            if (property.IsShadowProperty() || property.PropertyInfo is null || property.GetComputedColumnSql() is not null
                || property.GetDefaultValueSql() is not null || property.ValueGenerated != ValueGenerated.Never && !property.IsKey()
                || property.GetRelationalTypeMapping() is null)
            {
                return null; // a column this writer would not fill as EF does: leave the type to the bulk copy
            }
            columns.Add(property);
        }
        var names = string.Join(", ", columns.Select(c => "{" + c.Name + "}"));
        var values = string.Join(", ", columns.Select((_, i) => "@p" + i));
        return new Plan($"INSERT INTO {{table}} ({names}) VALUES ({values})", [.. columns.Select(c => c.Name)],
            [.. columns.Select(c => (Func<object, object?>)c.GetGetter().GetClrValueUsingContainingEntity)]);
    });
}
