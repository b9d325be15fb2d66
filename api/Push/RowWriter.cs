using DxyqOpenData.Api.Data;
using LinqToDB.Data;
using LinqToDB.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Push;

/// <summary>
/// New rows of one type going into the database inside the caller's transaction, one at a time as they are ready (a
/// push writes the rows of one chunk of items while the next chunk is validated). Disposed before
/// <see cref="CompleteAsync"/>, whatever was written is abandoned with the transaction.
/// </summary>
internal abstract class RowWriter<T> : IAsyncDisposable where T : class
{
    public int Rows { get; protected set; }

    public abstract void Write(T row);

    /// <summary>
    /// Sends what was written so far and lets the database work on it now (PostgreSQL: ends this COPY, so its foreign-key
    /// checks run, and opens another at the next row). A pipeline calls it per chunk, while the next chunk is prepared.
    /// </summary>
    public virtual Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Every row written has reached the database (errors such as a duplicate key surface here at the latest).</summary>
    public abstract Task CompleteAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    /// <summary>
    /// The fastest writer the database has: on SQLite one prepared single-row INSERT (<see cref="SqliteRowInserter"/>,
    /// with EF's own column types and value converters); otherwise the rows of each flush go in through linq2db's bulk
    /// copy, which reads the same from the EF model — one binary COPY per flush on PostgreSQL, multi-row INSERTs on SQL Server.
    /// </summary>
    public static async Task<RowWriter<T>> BeginAsync(CatalogDbContext db, CancellationToken cancellationToken)
    {
        if (db.Database.IsSqlite() && SqliteRowInserter.Supports<T>(db))
        {
            return await SqliteRowInserter.BeginAsync<T>(db, cancellationToken);
        }
        return new BulkCopyWriter(db);
    }

    private sealed class BulkCopyWriter(CatalogDbContext db) : RowWriter<T>
    {
        private readonly List<T> _rows = [];

        public override void Write(T row)
        {
            _rows.Add(row);
            Rows++;
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => CompleteAsync(cancellationToken);

        public override async Task CompleteAsync(CancellationToken cancellationToken)
        {
            if (_rows.Count > 0)
            {
                // One COPY per flush on PostgreSQL (its foreign-key checks run when it ends); 1,000-row INSERTs elsewhere.
                var options = db.Database.IsNpgsql()
                    ? new BulkCopyOptions { BulkCopyType = BulkCopyType.ProviderSpecific }
                    : new BulkCopyOptions { BulkCopyType = BulkCopyType.MultipleRows, MaxBatchSize = 1_000 };
                await db.BulkCopyAsync(options, _rows, cancellationToken);
                _rows.Clear();
            }
        }

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
