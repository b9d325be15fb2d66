using System.Linq.Expressions;
using System.Security.Cryptography;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Federation;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Federation;

/// <summary>The replica tables behind the harvester (<see cref="IReplicaStore"/>).</summary>
public sealed class ReplicaStore(CatalogDbContext db, FeedRows rows, ReplicaMemo memo) : IReplicaStore
{
    public async Task<ReplicaState?> GetAsync(string node, string set, CancellationToken cancellation)
    {
        var cursor = await db.ReplicaCursors.AsNoTracking().SingleOrDefaultAsync(c => c.Node == node && c.EntitySet == set, cancellation);
        return cursor is null ? null : new ReplicaState(cursor.Cursor, cursor.HarvestedAt is { } at ? new DateTimeOffset(at, TimeSpan.Zero) : null);
    }

    public async Task ApplyAsync(string node, string set, IReadOnlyList<FeedChange> changes, string cursor, DateTimeOffset? caughtUpAt, CancellationToken cancellation)
    {
        // Decoded and checked before anything is written: a bad row leaves the replica and the cursor as they were.
        var upserts = changes.Where(c => c.Row is not null).ToList();
        var ids = changes.Select(c => c.Id).ToList();
        IReadOnlyList<object> entities = set switch
        {
            "Instruments" => upserts.Select(c => (object)rows.Instruments.Read(c.Row!.Value, c.Id, node)).ToList(),
            "ServiceOfferings" => upserts.Select(c => (object)rows.ServiceOfferings.Read(c.Row!.Value, c.Id, node)).ToList(),
            "Datasets" => upserts.Select(c => (object)rows.Datasets.Read(c.Row!.Value, c.Id, node)).ToList(),
            _ => throw new InvalidDataException($"No replica of '{set}'."),
        };
        var strategy = db.Database.CreateExecutionStrategy();
        await strategy.ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellation);
            if (ids.Count > 0)
            {
                _ = set switch
                {
                    "Instruments" => await db.ReplicaInstruments.Where(r => r.Node == node && ids.Contains(r.Id)).ExecuteDeleteAsync(cancellation),
                    "ServiceOfferings" => await db.ReplicaServiceOfferings.Where(r => r.Node == node && ids.Contains(r.Id)).ExecuteDeleteAsync(cancellation),
                    _ => await db.ReplicaDatasets.Where(r => r.Node == node && ids.Contains(r.Id)).ExecuteDeleteAsync(cancellation),
                };
            }
            db.AddRange(entities);
            var state = await db.ReplicaCursors.AsTracking().SingleOrDefaultAsync(c => c.Node == node && c.EntitySet == set, cancellation);
            if (state is null)
            {
                state = new ReplicaCursor { Node = node, EntitySet = set };
                db.ReplicaCursors.Add(state);
            }
            state.Cursor = cursor;
            if (ids.Count > 0 || state.UpdatedAt == default)
            {
                // The replica's content version (memo keys, the snapshots in memory): moved only when rows change.
                state.UpdatedAt = DateTime.UtcNow;
            }
            if (caughtUpAt is { } at)
            {
                state.HarvestedAt = at.UtcDateTime;
            }
            await db.SaveChangesAsync(cancellation);
            await transaction.CommitAsync(cancellation);
            db.ChangeTracker.Clear();
        });
        memo.ReplicaChanged();
    }

    public async Task<IReadOnlyList<ReplicaSetView>> ViewAsync(string node, DateTimeOffset now, CancellationToken cancellation)
    {
        var cursors = await db.ReplicaCursors.AsNoTracking().Where(c => c.Node == node).ToDictionaryAsync(c => c.EntitySet, cancellation);
        var counts = new Dictionary<string, long>
        {
            ["Instruments"] = await db.ReplicaInstruments.LongCountAsync(r => r.Node == node, cancellation),
            ["ServiceOfferings"] = await db.ReplicaServiceOfferings.LongCountAsync(r => r.Node == node, cancellation),
            ["Datasets"] = await db.ReplicaDatasets.LongCountAsync(r => r.Node == node, cancellation),
        };
        return counts.Select(c =>
        {
            var cursor = cursors.GetValueOrDefault(c.Key);
            DateTimeOffset? harvested = cursor?.HarvestedAt is { } at ? new DateTimeOffset(at, TimeSpan.Zero) : null;
            return new ReplicaSetView(c.Key, c.Value, cursor?.Cursor, harvested,
                harvested is { } h ? (long)Math.Max(0, (now - h).TotalSeconds) : null);
        }).ToList();
    }
}
