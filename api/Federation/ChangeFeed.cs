using System.Linq.Expressions;
using System.Security.Cryptography;
using System.Text.Json;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Federation;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Federation;

/// <summary>
/// <c>GET /federation/changes/{set}</c>: the public rows changed after a cursor, in commit order, each in its current
/// public form, or a tombstone when it was deleted or left the public view. One SQL query per page (the log joined to
/// the set through its public query filter), so a page is one consistent snapshot.
/// </summary>
public sealed class ChangeFeed(CatalogDbContext db, FeedRows rows, FederationOptions options)
{
    public async Task WriteAsync(string set, string? since, int max, Stream output, CancellationToken cancellation)
    {
        var after = string.IsNullOrEmpty(since) ? 0 : FeedCursor.Open(since, options.NodeCode, set, options.LinkKeyBytes);
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
        writer.WriteString("cursor", FeedCursor.Seal(options.NodeCode, set, last, options.LinkKeyBytes));
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
