using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using DxyqOpenData.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace DxyqOpenData.Api.Federation.Harvest;

/// <summary>
/// The federated sets held in memory for replica mode (<see cref="MemoryQuery{TReplica}"/>): per set, each harvested
/// peer's replica and this node's own public rows. A part is answered from memory only when its snapshot is current,
/// otherwise in SQL as before, so an answer is never older than the tables:
/// <list type="bullet">
/// <item>a peer's snapshot is current while its replica cursor's <c>UpdatedAt</c> (moved only when a harvest changes
/// rows) is the one it was read at; a harvest that changes the replica makes the next query schedule a new read;</item>
/// <item>this node's snapshot follows its own change feed: every query reads the feed's counter (one row by key), and
/// when it moved, applies the rows changed since (a few rows by key) before answering. After a large batch it is read
/// again in the background instead.</item>
/// </list>
/// Snapshots are read in the background; until one is, its part runs in SQL. <c>Federation:ReplicaMemoryRows</c>
/// bounds the rows held across all snapshots (default 100,000; 0 turns memory off).
/// </summary>
public sealed class ReplicaSnapshots(IServiceScopeFactory scopes, int maxRows, ILogger<ReplicaSnapshots> log) : IDisposable
{
    public const string MaxRowsSetting = "Federation:ReplicaMemoryRows";
    public const int DefaultMaxRows = 100_000;

    /// <summary><c>Federation:ReplicaMemoryRows</c>: a whole number ≥ 0, or the default when not set.</summary>
    public static int MaxRowsFrom(IConfiguration configuration) => configuration[MaxRowsSetting] switch
    {
        null or "" => DefaultMaxRows,
        var text when int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var rows) => rows,
        var text => throw new InvalidOperationException($"{MaxRowsSetting} is '{text}': give a whole number of rows (0 turns replica memory off)."),
    };

    /// <summary>A larger change of this node's set than this is read whole again (in the background), not applied row by row.</summary>
    private const int MaxIncrement = 2_000;

    /// <summary>How long a part stays in SQL after its snapshot could not be read (failed, or too many rows).</summary>
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMinutes(1);

    private readonly int _maxRows = maxRows;
    private readonly ConcurrentDictionary<(string Set, string Node), Entry> _entries = new();
    private readonly CancellationTokenSource _stopping = new();
    private long _rowsHeld;
    private long _memoryParts;

    public bool Enabled => _maxRows > 0;

    /// <summary>Rows held in memory now, across all snapshots.</summary>
    public long RowsHeld => Interlocked.Read(ref _rowsHeld);

    /// <summary>Parts answered from memory so far (for tests and diagnostics).</summary>
    public long MemoryParts => Interlocked.Read(ref _memoryParts);

    internal void CountMemoryPart() => Interlocked.Increment(ref _memoryParts);

    /// <summary>Completes when every read scheduled so far has finished.</summary>
    public Task BuildsAsync() => Task.WhenAll(_entries.Values.Select(e => e.Building ?? Task.CompletedTask));

    private sealed class Entry
    {
        public volatile Snapshot? Current;
        public Task? Building;
        /// <summary>After a read that failed or was refused (too many rows), none again before this (<see cref="Environment.TickCount64"/>).</summary>
        public long RetryAfter;
        public readonly SemaphoreSlim Refresh = new(1, 1);
        public readonly Lock Gate = new();
    }

    /// <summary>Rows as of <see cref="Version"/>: a peer's cursor <c>UpdatedAt</c> ticks, or this node's change counter.</summary>
    private sealed class Snapshot(long version, Dictionary<Guid, object> byId, object rows)
    {
        public long Version { get; } = version;
        public Dictionary<Guid, object> ById { get; } = byId;
        /// <summary>A <see cref="RowSet{TReplica}"/>.</summary>
        public object Rows { get; } = rows;
        public int Count => ById.Count;
    }

    /// <summary>A peer's replica of <paramref name="set"/> as of <paramref name="updatedAt"/>, or null (then read in the background).</summary>
    internal RowSet<TReplica>? Peer<TReplica>(string set, string node, DateTime updatedAt, Func<CatalogDbContext, IQueryable<TReplica>> replicas)
        where TReplica : class
    {
        if (!Enabled)
        {
            return null;
        }
        var entry = _entries.GetOrAdd((set, node), _ => new Entry());
        if (entry.Current is { } current && current.Version == updatedAt.Ticks)
        {
            return (RowSet<TReplica>)current.Rows;
        }
        Schedule(entry, set, node, async (db, cancel) =>
        {
            // The version first, then the rows: the rows are at least that new; a harvest in between moves the version
            // again, and the next query reads them again.
            var version = await db.ReplicaCursors.AsNoTracking().Where(c => c.Node == node && c.EntitySet == set)
                .Select(c => (DateTime?)c.UpdatedAt).SingleOrDefaultAsync(cancel);
            if (version is null)
            {
                return null;
            }
            var source = replicas(db).Where(NodeIs<TReplica>(node));
            return await ReadAsync(entry, source, version.Value.Ticks, cancel);
        });
        return null;
    }

    /// <summary>
    /// This node's public <paramref name="set"/>, current as of now (its change counter read on <paramref name="db"/>'s
    /// open connection), or null (then read in the background).
    /// </summary>
    internal async Task<RowSet<TReplica>?> LocalAsync<T, TReplica>(CatalogDbContext db, string set, string node,
        Func<CatalogDbContext, IQueryable<T>> local, Func<Expression<Func<T, TReplica>>> projection, Func<List<Guid>, Expression<Func<T, bool>>> keyIn,
        CancellationToken cancel) where T : class where TReplica : class
    {
        if (!Enabled)
        {
            return null;
        }
        var entry = _entries.GetOrAdd((set, node), _ => new Entry());
        if (entry.Current is null)
        {
            Schedule(entry, set, node, async (context, token) =>
            {
                // The counter first: every change up to it is in the rows read after it (and perhaps some later ones,
                // which the next refresh applies again).
                var counter = await CounterAsync(context, token);
                return await ReadAsync(entry, local(context).Select(projection()), counter, token);
            });
            return null;
        }
        var now = await CounterAsync(db, cancel);
        if (entry.Current is { } fresh && fresh.Version == now)
        {
            return (RowSet<TReplica>)fresh.Rows;
        }
        await entry.Refresh.WaitAsync(cancel);
        try
        {
            if (entry.Current is not { } snapshot)
            {
                return null;
            }
            if (snapshot.Version == now)
            {
                return (RowSet<TReplica>)snapshot.Rows;
            }
            if (snapshot.Version > now)
            {
                // Newer than the counter this request read: refreshed meanwhile by another request, unless the counter
                // went back (a database restored or recreated), which only reading it again tells apart.
                if (await CounterAsync(db, cancel) >= snapshot.Version)
                {
                    return (RowSet<TReplica>)snapshot.Rows;
                }
                Drop(entry);
                return null;
            }
            // This set's rows changed since the snapshot's counter (read after `now`, so all of those are seen).
            var changed = await db.CatalogChanges.AsNoTracking().Where(c => c.EntitySet == set && c.Seq > snapshot.Version)
                .Select(c => c.RowId).Take(MaxIncrement + 1).ToListAsync(cancel);
            if (changed.Count > MaxIncrement)
            {
                Drop(entry);
                return null;
            }
            var next = new Snapshot(now, snapshot.ById, snapshot.Rows);
            if (changed.Count > 0)
            {
                // Copied, changed, swapped in: a query reading the previous snapshot keeps it whole.
                var rows = await local(db).Where(keyIn(changed)).Select(projection()).ToListAsync(cancel);
                var byId = new Dictionary<Guid, object>(snapshot.ById);
                foreach (var id in changed)
                {
                    byId.Remove(id);
                }
                foreach (var row in rows)
                {
                    byId[KeyOf<TReplica>.Get(row)] = row;
                }
                next = new Snapshot(now, byId, new RowSet<TReplica>(byId.Values.Cast<TReplica>().ToArray()));
            }
            Interlocked.Add(ref _rowsHeld, next.Count - snapshot.Count);
            entry.Current = next;
            return (RowSet<TReplica>)next.Rows;
        }
        finally
        {
            entry.Refresh.Release();
        }
    }

    /// <summary>The change feed's counter: one row by key, read as plain SQL (asked on every replica query).</summary>
    private static async Task<long> CounterAsync(CatalogDbContext db, CancellationToken cancel)
    {
        await db.Database.OpenConnectionAsync(cancel);
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = "SELECT value FROM catalog_change_counter WHERE id = 1";
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            return await command.ExecuteScalarAsync(cancel) is { } value and not DBNull ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>The rows of <paramref name="source"/> as a snapshot, unless they would take the rows held past the bound (the entry's own snapshot, which they replace, not counted).</summary>
    private async Task<Snapshot?> ReadAsync<TReplica>(Entry entry, IQueryable<TReplica> source, long version, CancellationToken cancel) where TReplica : class
    {
        var count = await source.LongCountAsync(cancel);
        if (Interlocked.Read(ref _rowsHeld) - (entry.Current?.Count ?? 0) + count > _maxRows)
        {
            log.LogInformation("Replica mode: {Rows} rows would exceed Federation:ReplicaMemoryRows ({Max}); this part stays in SQL.", count, _maxRows);
            return null;
        }
        var rows = await source.AsNoTracking().ToListAsync(cancel);
        var byId = new Dictionary<Guid, object>(rows.Count);
        foreach (var row in rows)
        {
            byId[KeyOf<TReplica>.Get(row)] = row;
        }
        return new Snapshot(version, byId, new RowSet<TReplica>(byId.Values.Cast<TReplica>().ToArray()));
    }

    /// <summary>Reads a snapshot in the background, once at a time per entry; a failure leaves the part in SQL.</summary>
    private void Schedule(Entry entry, string set, string node, Func<CatalogDbContext, CancellationToken, Task<Snapshot?>> read)
    {
        lock (entry.Gate)
        {
            if (entry.Building is { IsCompleted: false } || _stopping.IsCancellationRequested || Environment.TickCount64 < entry.RetryAfter)
            {
                return;
            }
            var cancel = _stopping.Token;
            entry.Building = Task.Run(async () =>
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
                    if (await read(db, cancel) is { } snapshot)
                    {
                        var previous = entry.Current;
                        entry.Current = snapshot;
                        Interlocked.Add(ref _rowsHeld, snapshot.Count - (previous?.Count ?? 0));
                    }
                    else
                    {
                        // Not held (over the bound, or no replica any more): a stale snapshot is no use either.
                        Drop(entry);
                        entry.RetryAfter = Environment.TickCount64 + (long)RetryDelay.TotalMilliseconds;
                    }
                }
                catch (Exception e)
                {
                    // Shutting down ends reads quietly; any other failure leaves the part in SQL for a while.
                    if (!cancel.IsCancellationRequested)
                    {
                        entry.RetryAfter = Environment.TickCount64 + (long)RetryDelay.TotalMilliseconds;
                        log.LogWarning(e, "Replica mode: reading {Set} of {Node} into memory failed; its parts stay in SQL.", set, node);
                    }
                }
            }, CancellationToken.None);
        }
    }

    /// <summary>Drops every snapshot (the next query of each part reads it again); the benchmark measures their memory so.</summary>
    internal void Clear()
    {
        foreach (var entry in _entries.Values)
        {
            Drop(entry);
        }
    }

    private void Drop(Entry entry)
    {
        if (entry.Current is { } dropped)
        {
            entry.Current = null;
            Interlocked.Add(ref _rowsHeld, -dropped.Count);
        }
    }

    private static Expression<Func<TReplica, bool>> NodeIs<TReplica>(string node)
    {
        var row = Expression.Parameter(typeof(TReplica), "row");
        var holder = Expression.Property(Expression.Constant(new NodeHolder(node)), nameof(NodeHolder.Node));
        return Expression.Lambda<Func<TReplica, bool>>(Expression.Equal(Expression.Property(row, "Node"), holder), row);
    }

    private sealed class NodeHolder(string node)
    {
        public string Node { get; } = node;
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }
}

/// <summary>
/// One snapshot's rows, and their orders as asked so far (positions sorted by a comparison, kept per order until the
/// snapshot is replaced): a query then walks its order and keeps the rows its filter takes, without sorting.
/// </summary>
internal sealed class RowSet<TReplica>(TReplica[] rows) where TReplica : class
{
    private const int MaxOrders = 16;
    private readonly ConcurrentDictionary<string, int[]> _orders = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<PropertyInfo, Array> _columns = new();

    public TReplica[] Rows { get; } = rows;

    /// <summary>One property of every row, in the rows' order (a <c>P[]</c>), read once per snapshot.</summary>
    public Array Column(PropertyInfo property) => _columns.GetOrAdd(property, p =>
    {
        var column = Array.CreateInstance(p.PropertyType, Rows.Length);
        var get = Getter(p);
        for (var i = 0; i < Rows.Length; i++)
        {
            column.SetValue(get(Rows[i]), i);
        }
        return column;
    });

    private static Func<TReplica, object?> Getter(PropertyInfo property)
    {
        var row = Expression.Parameter(typeof(TReplica), "row");
        return Expression.Lambda<Func<TReplica, object?>>(Expression.Convert(Expression.Property(row, property), typeof(object)), row).Compile();
    }

    /// <summary>The rows' positions in the order <paramref name="signature"/> names (<paramref name="order"/>).</summary>
    public int[] Sorted(string signature, Comparison<TReplica> order)
    {
        if (_orders.TryGetValue(signature, out var sorted))
        {
            return sorted;
        }
        sorted = new int[Rows.Length];
        for (var i = 0; i < sorted.Length; i++)
        {
            sorted[i] = i;
        }
        var keys = (TReplica[])Rows.Clone();
        Array.Sort(keys, sorted, Comparer<TReplica>.Create(order));
        if (_orders.Count < MaxOrders)
        {
            _orders.TryAdd(signature, sorted);
        }
        return sorted;
    }
}
