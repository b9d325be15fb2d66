using System.Linq.Expressions;
using System.Security.Cryptography;
using System.Text.Json;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Federation;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Federation;

/// <summary>A change feed cursor this node cannot read (changed, foreign, garbage): 400.</summary>
public sealed class FeedCursorException(string message) : Exception(message);

/// <summary>
/// The opaque cursor of the change feed: the node, the set and the last sequence number given, as base64url JSON with
/// an HMAC-SHA256 of it under the node's link key (kept in the database, so cursors outlive restarts).
/// </summary>
public static class FeedCursor
{
    private sealed record State(string N, string S, long Q);

    public static string Seal(string node, string set, long seq, byte[] key)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(new State(node, set, seq));
        return $"{Base64Url(payload)}.{Base64Url(HMACSHA256.HashData(key, payload))}";
    }

    public static long Open(string token, string node, string set, byte[] key)
    {
        State? state;
        try
        {
            var dot = token.IndexOf('.');
            if (dot <= 0 || token.Length > ChangeFeedLimits.MaxCursorLength)
            {
                throw new FormatException();
            }
            var payload = FromBase64Url(token[..dot]);
            if (!CryptographicOperations.FixedTimeEquals(FromBase64Url(token[(dot + 1)..]), HMACSHA256.HashData(key, payload)))
            {
                throw new FormatException();
            }
            state = JsonSerializer.Deserialize<State>(payload);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            throw new FeedCursorException("'since' is not a cursor this node gave (or it was changed). Start again without 'since'.");
        }
        if (state is null || state.N != node || state.S != set || state.Q < 0)
        {
            throw new FeedCursorException("'since' is a cursor of another node or set.");
        }
        return state.Q;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '='));
    }
}

/// <summary>
/// <c>GET /federation/changes/{set}</c>: the public rows changed after a cursor, in commit order, each in its current
/// public form, or a tombstone when it was deleted or left the public view. One SQL query per page (the log joined to
/// the set through its public query filter), so a page is one consistent snapshot.
/// </summary>
public sealed class ChangeFeed(CatalogDbContext db, FeedRows rows, FederationOptions options)
{
    public async Task WriteAsync(string set, string? since, int max, Stream output, CancellationToken cancellation)
    {
        var after = string.IsNullOrEmpty(since) ? 0 : FeedCursor.Open(since, options.NodeCode, set, options.LinkKey);
        await using var writer = new Utf8JsonWriter(output, Operations.JsonText.Writer);
        writer.WriteStartObject();
        writer.WriteString("node", options.NodeCode);
        writer.WriteString("set", set);
        writer.WriteStartArray("changes");
        var (last, count) = set switch
        {
            "Instruments" => await PageAsync(db.Instruments, i => i.Id, rows.Instruments.Write, set, after, max, writer, cancellation),
            "ServiceOfferings" => await PageAsync(db.ServiceOfferings, o => o.Id, rows.ServiceOfferings.Write, set, after, max, writer, cancellation),
            "Datasets" => await PageAsync(db.Datasets, d => d.Id, rows.Datasets.Write, set, after, max, writer, cancellation),
            _ => throw new ArgumentOutOfRangeException(nameof(set)),
        };
        writer.WriteEndArray();
        writer.WriteString("cursor", FeedCursor.Seal(options.NodeCode, set, last, options.LinkKey));
        writer.WriteBoolean("more", count == max && await db.CatalogChanges.AnyAsync(c => c.EntitySet == set && c.Seq > last, cancellation));
        writer.WriteEndObject();
        await writer.FlushAsync(cancellation);
    }

    private sealed class Entry<T>
    {
        public long Seq { get; init; }
        public Guid Id { get; init; }
        public T? Row { get; init; }
    }

    private async Task<(long Last, int Count)> PageAsync<T>(IQueryable<T> source, Expression<Func<T, Guid>> key, Action<Utf8JsonWriter, T> write,
        string set, long after, int max, Utf8JsonWriter writer, CancellationToken cancellation) where T : class
    {
        var page = db.CatalogChanges.AsNoTracking().Where(c => c.EntitySet == set && c.Seq > after).OrderBy(c => c.Seq).Take(max);
        var entries = await page
            .GroupJoin(source.AsNoTracking(), c => c.RowId, key, (c, matches) => new { c, matches })
            .SelectMany(x => x.matches.DefaultIfEmpty(), (x, row) => new Entry<T> { Seq = x.c.Seq, Id = x.c.RowId, Row = row })
            .OrderBy(e => e.Seq)
            .ToListAsync(cancellation);
        var last = after;
        foreach (var entry in entries)
        {
            writer.WriteStartObject();
            writer.WriteNumber("seq", entry.Seq);
            writer.WriteString("id", entry.Id);
            if (entry.Row is null)
            {
                writer.WriteString("op", "delete");
            }
            else
            {
                writer.WriteString("op", "upsert");
                writer.WritePropertyName("row");
                write(writer, entry.Row);
            }
            writer.WriteEndObject();
            last = entry.Seq;
        }
        return (last, entries.Count);
    }
}

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

/// <summary>The federation's link key: configured, or generated once and kept in <c>node_settings</c>.</summary>
public static class FederationLinkKey
{
    public const string SettingName = "federation.link-key";

    public static async Task LoadAsync(IServiceProvider services, CancellationToken cancellation = default)
    {
        var options = services.GetRequiredService<FederationOptions>();
        if (options.LinkKeyConfigured)
        {
            return;
        }
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
        NodeSetting? stored;
        try
        {
            stored = await db.NodeSettings.AsNoTracking().SingleOrDefaultAsync(s => s.Name == SettingName, cancellation);
        }
        catch (System.Data.Common.DbException e)
        {
            // Not migrated yet (Database:MigrateOnStartup off, /health/ready says so): a key for this process only.
            scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(FederationLinkKey))
                .LogWarning("No stored federation link key ({Message}); nextLinks of this process die with it", e.Message);
            return;
        }
        if (stored is null)
        {
            db.NodeSettings.Add(new NodeSetting { Name = SettingName, Value = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), CreatedAt = DateTime.UtcNow });
            try
            {
                await db.SaveChangesAsync(cancellation);
            }
            catch (DbUpdateException)
            {
                // Another instance made it first: use its key.
            }
            db.ChangeTracker.Clear();
            stored = await db.NodeSettings.AsNoTracking().SingleAsync(s => s.Name == SettingName, cancellation);
        }
        options.LinkKey = Convert.FromBase64String(stored.Value);
    }
}
