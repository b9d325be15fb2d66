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

    /// <summary>A writer open for rows inside the caller's transaction (the prepared statement lives until it is disposed).</summary>
    public static async Task<RowWriter<T>> BeginAsync<T>(CatalogDbContext db, CancellationToken cancellationToken) where T : class
    {
        var plan = PlanFor(db, typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} cannot be inserted row by row.");
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Rows are inserted inside the caller's transaction.");
        }
        await db.Database.OpenConnectionAsync(cancellationToken);
        return new Writer<T>(db, new RowStatement(db, typeof(T), plan.Sql, plan.Properties), plan.Reads);
    }

    private sealed class Writer<T>(CatalogDbContext db, RowStatement insert, Func<object, object?>[] reads) : RowWriter<T> where T : class
    {
        private readonly object?[] _values = new object?[reads.Length];

        public override void Write(T row)
        {
            for (var c = 0; c < _values.Length; c++)
            {
                _values[c] = reads[c](row);
            }
            insert.Run(_values);
            Rows++;
        }

        public override Task CompleteAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override async ValueTask DisposeAsync()
        {
            try
            {
                await insert.DisposeAsync();
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }
    }

    private static Plan? PlanFor(CatalogDbContext db, Type type) => Plans.GetOrAdd((db.Model, type), key =>
    {
        if (InsertColumns(key.Item1, key.Item2) is not { } columns)
        {
            return null;
        }
        var names = string.Join(", ", columns.Select(c => "{" + c.Name + "}"));
        var values = string.Join(", ", columns.Select((_, i) => "@p" + i));
        return new Plan($"INSERT INTO {{table}} ({names}) VALUES ({values})", [.. columns.Select(c => c.Name)],
            [.. columns.Select(c => (Func<object, object?>)c.GetGetter().GetClrValueUsingContainingEntity)]);
    });

    /// <summary>
    /// The columns a new row of <paramref name="type"/> fills, in the model's order; null when one of them is not a plain
    /// writable property (computed, defaulted by SQL, generated, shadow), which a row writer would not fill as EF does.
    /// </summary>
    internal static List<IProperty>? InsertColumns(IModel model, Type type)
    {
        var entityType = model.FindEntityType(type);
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
                return null;
            }
            columns.Add(property);
        }
        return columns;
    }
}
