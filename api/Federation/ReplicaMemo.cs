using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using DxyqOpenData.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace DxyqOpenData.Api.Federation;

/// <summary>The <c>Node</c> of a replica row, read through a compiled getter.</summary>
internal static class NodeOf<TReplica>
{
    public static readonly Func<TReplica, string> Get = Compile();

    private static Func<TReplica, string> Compile()
    {
        var row = Expression.Parameter(typeof(TReplica), "row");
        return Expression.Lambda<Func<TReplica, string>>(Expression.Property(row, "Node"), row).Compile();
    }
}

/// <summary>The key (<c>Id</c>) of a replica row, read through a compiled getter.</summary>
internal static class KeyOf<TReplica>
{
    public static readonly PropertyInfo Property = typeof(TReplica).GetProperty("Id") is { } id && id.PropertyType == typeof(Guid)
        ? id
        : throw new InvalidOperationException($"{typeof(TReplica).Name} has no Guid key named Id.");

    public static readonly Func<TReplica, Guid> Get = Compile();

    private static Func<TReplica, Guid> Compile()
    {
        var row = Expression.Parameter(typeof(TReplica), "row");
        return Expression.Lambda<Func<TReplica, Guid>>(Expression.Property(row, Property), row).Compile();
    }
}

/// <summary>
/// A part's answer: its count, its window's keys in its order (<see cref="Keys"/>: rows holding only the order
/// properties, the key and the node), and the whole rows read so far by key (<see cref="Rows"/>: this node's entities, or replica rows; a memoized answer
/// gains more as later requests take more of its window).
/// </summary>
public sealed class PartAnswer<TReplica>(long count, List<TReplica> keys) where TReplica : class
{
    public static readonly PartAnswer<TReplica> Empty = new(0, []);

    public long Count { get; } = count;

    public List<TReplica> Keys { get; } = keys;

    public ConcurrentDictionary<Guid, object> Rows { get; } = new();
}

/// <summary>
/// Replica parts' answers (count and rows), memoized per state of the replica: a harvest that changes rows moves the
/// replica's cursor row (<c>UpdatedAt</c>), which is part of the key, so a memoized answer is never older than the
/// replica itself. Bounded by rows held; <c>Federation:ReplicaMemo=false</c> turns it off. One per host (a singleton),
/// so several nodes in one process (tests, benchmarks) never see each other's replica states or answers.
/// </summary>
public sealed class ReplicaMemo : IDisposable
{
    public sealed record Key(string Set, string Node, DateTime UpdatedAt, string? Filter, string? OrderBy, long Skip, int Top);

    private readonly MemoryCache Cache = new(new MemoryCacheOptions { SizeLimit = 20_000 });

    private long _generation;
    private readonly ConcurrentDictionary<string, (long Generation, long ReadAt, Dictionary<string, (DateTime HarvestedAt, DateTime UpdatedAt)> States)> Cursors = new(StringComparer.Ordinal);

    /// <summary>A harvest applied a page here (<see cref="ReplicaStore.ApplyAsync"/>): the replicas' states are read again.</summary>
    public void ReplicaChanged() => Interlocked.Increment(ref _generation);

    /// <summary>
    /// Each harvested replica of <paramref name="set"/> (node → its cursor row's <c>HarvestedAt</c> and <c>UpdatedAt</c>):
    /// read from <c>replica_cursors</c>, again after a harvest on this instance applied a page, and at most a second
    /// old otherwise (a harvest run by another instance sharing the database).
    /// </summary>
    public async Task<Dictionary<string, (DateTime HarvestedAt, DateTime UpdatedAt)>> StatesAsync(CatalogDbContext db, string set, CancellationToken cancel)
    {
        var generation = Interlocked.Read(ref _generation);
        if (Cursors.TryGetValue(set, out var known) && known.Generation == generation && Environment.TickCount64 - known.ReadAt < 1000)
        {
            return known.States;
        }
        var states = await db.ReplicaCursors.AsNoTracking()
            .Where(c => c.EntitySet == set && c.HarvestedAt != null)
            .ToDictionaryAsync(c => c.Node, c => (c.HarvestedAt!.Value, c.UpdatedAt), StringComparer.Ordinal, cancel);
        Cursors[set] = (generation, Environment.TickCount64, states);
        return states;
    }

    public PartAnswer<TReplica>? Get<TReplica>(Key key) where TReplica : class =>
        Cache.TryGetValue(key, out var value) ? value as PartAnswer<TReplica> : null;

    public void Set<TReplica>(Key key, PartAnswer<TReplica> answer) where TReplica : class =>
        Cache.Set(key, answer, new MemoryCacheEntryOptions { Size = answer.Keys.Count + 1, SlidingExpiration = TimeSpan.FromMinutes(10) });

    public void Dispose() => Cache.Dispose();
}
