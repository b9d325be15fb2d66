using System.Collections.Concurrent;
using System.Linq.Expressions;
using DxyqOpenData.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;
#pragma warning disable EF1001 // NpgsqlTypeMapping (internal API): the PostgreSQL type EF itself sends for the column
using NpgsqlTypeMapping = Npgsql.EntityFrameworkCore.PostgreSQL.Storage.Internal.Mapping.NpgsqlTypeMapping;
#pragma warning restore EF1001

namespace DxyqOpenData.Api.Push;

/// <summary>
/// New rows into PostgreSQL the fast way: one binary <c>COPY … FROM STDIN</c> on the context's connection, inside the
/// caller's transaction, each value written by a typed writer compiled once per entity type from the EF model (the
/// property read, the value converter inlined — money in fen, enums by wire name — and the PostgreSQL type EF sends),
/// so no value is boxed or converted through reflection and the rows are stored exactly as <c>SaveChanges</c> stores
/// them (the same columns <see cref="SqliteRowInserter"/> writes).
/// </summary>
internal static class PostgresRowCopier
{
    private sealed record Plan(string Copy, Delegate Write);

    private static readonly ConcurrentDictionary<(IModel, Type), Plan?> Plans = new();

    /// <summary>Whether <typeparamref name="T"/> can be written this way (every column a plain, writable property).</summary>
    public static bool Supports<T>(CatalogDbContext db) => PlanFor<T>(db) is not null;

    /// <summary>A writer open for rows: a COPY, ended by <see cref="RowWriter{T}.FlushAsync"/> (the next row opens another) or <see cref="RowWriter{T}.CompleteAsync"/>.</summary>
    public static async Task<RowWriter<T>> BeginAsync<T>(CatalogDbContext db, CancellationToken cancellationToken) where T : class
    {
        var plan = PlanFor<T>(db) ?? throw new InvalidOperationException($"{typeof(T).Name} cannot be copied row by row.");
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Rows are copied inside the caller's transaction.");
        }
        await db.Database.OpenConnectionAsync(cancellationToken);
        return new Writer<T>(db, plan.Copy, (Action<T, NpgsqlBinaryImporter>)plan.Write);
    }

    /// <summary>COPYs on the context's connection. Disposed while a COPY is open, that COPY is cancelled (the caller rolls back).</summary>
    private sealed class Writer<T>(CatalogDbContext db, string copy, Action<T, NpgsqlBinaryImporter> write) : RowWriter<T> where T : class
    {
        private NpgsqlBinaryImporter? _importer;

        /// <summary>Writes one row (buffered; a full buffer goes to the server synchronously, which works on it at once).</summary>
        public override void Write(T row)
        {
            var importer = _importer ??= ((NpgsqlConnection)db.Database.GetDbConnection()).BeginBinaryImport(copy);
            importer.StartRow();
            write(row, importer);
            Rows++;
        }

        /// <summary>
        /// Ends the open COPY: the server has inserted its rows as they came, and runs their foreign-key checks (AFTER
        /// triggers, queued to the end of the statement) now, while the caller prepares the next chunk.
        /// </summary>
        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            if (_importer is { } importer)
            {
                _importer = null;
                await importer.CompleteAsync(cancellationToken);
                // The connection stays in COPY state until the importer is disposed: free it for the statements after.
                await importer.DisposeAsync();
            }
        }

        public override Task CompleteAsync(CancellationToken cancellationToken) => FlushAsync(cancellationToken);

        public override async ValueTask DisposeAsync()
        {
            try
            {
                if (_importer is { } importer)
                {
                    _importer = null;
                    await importer.DisposeAsync();
                }
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }
    }

    private static Plan? PlanFor<T>(CatalogDbContext db) => Plans.GetOrAdd((db.Model, typeof(T)), key =>
    {
        if (SqliteRowInserter.InsertColumns(key.Item1, key.Item2) is not { } columns)
        {
            return null;
        }
        var entityType = key.Item1.FindEntityType(key.Item2)!;
        var table = StoreObjectIdentifier.Table(entityType.GetTableName()!, entityType.GetSchema());
        var sql = db.GetService<ISqlGenerationHelper>();
        var copy = $"COPY {sql.DelimitIdentifier(table.Name, table.Schema)} ({string.Join(", ", columns.Select(c => sql.DelimitIdentifier(c.GetColumnName(table)!)))}) FROM STDIN (FORMAT BINARY)";

        var row = Expression.Parameter(typeof(T), "row");
        var importer = Expression.Parameter(typeof(NpgsqlBinaryImporter), "importer");
        var writes = columns.Select(c => WriteColumn(c, row, importer)).ToList();
        var write = Expression.Lambda<Action<T, NpgsqlBinaryImporter>>(Expression.Block(writes), row, importer).Compile();
        return new Plan(copy, write);
    });

    /// <summary><c>if (value is null) importer.WriteNull(); else importer.Write(toProvider(value), npgsqlDbType);</c></summary>
    private static Expression WriteColumn(IProperty property, ParameterExpression row, ParameterExpression importer)
    {
        var mapping = property.GetRelationalTypeMapping();
        Expression value = Expression.Property(row, property.PropertyInfo!);
        var underlying = Nullable.GetUnderlyingType(value.Type);
        var nullable = !value.Type.IsValueType || underlying is not null;
        var local = Expression.Variable(value.Type, property.Name);
        Expression nonNull = underlying is not null ? Expression.Property(local, "Value") : local;
        if (mapping.Converter is { } converter)
        {
            var toProvider = converter.ConvertToProviderExpression;
            nonNull = Expression.Invoke(toProvider, Expression.Convert(nonNull, toProvider.Parameters[0].Type));
        }
        if (Nullable.GetUnderlyingType(nonNull.Type) is { } providerUnderlying)
        {
            nonNull = Expression.Convert(nonNull, providerUnderlying);
        }
#pragma warning disable EF1001
        var type = (mapping as NpgsqlTypeMapping)?.NpgsqlDbType;
#pragma warning restore EF1001
        Expression write = type is { } t
            ? Expression.Call(importer, nameof(NpgsqlBinaryImporter.Write), [nonNull.Type], nonNull, Expression.Constant(t))
            : Expression.Call(importer, nameof(NpgsqlBinaryImporter.Write), [nonNull.Type], nonNull);
        Expression body = nullable
            ? Expression.IfThenElse(Expression.Equal(local, Expression.Constant(null, local.Type)),
                Expression.Call(importer, nameof(NpgsqlBinaryImporter.WriteNull), Type.EmptyTypes), write)
            : write;
        return Expression.Block([local], Expression.Assign(local, value), body);
    }
}
