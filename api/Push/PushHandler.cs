using System.Text.Json;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Data.Reference;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Api.ServiceOfferings;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Push;

internal abstract class PushHandler<TDoc>(PushBatch batch) : IPushHandler where TDoc : class, IPushDocument
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { Converters = { new MoneyJsonConverter() } };

    protected PushBatch Batch { get; } = batch;
    protected CatalogDbContext Db => Batch.Db;
    protected string Unit => Batch.UnitId;
    protected DateTime Now => Batch.Now;
    protected TDoc?[] Docs { get; } = new TDoc?[batch.Count];

    /// <summary>
    /// Instruments as their own unit sees them: confidential ones too (the published filter is for readers of the
    /// catalog; a unit updates, and records service on, its confidential instruments like any other).
    /// </summary>
    protected IQueryable<Instrument> OwnInstruments => Db.Instruments.IgnoreQueryFilters([Instrument.PublishedFilter]);

    /// <summary>Service offerings as their own unit sees them, those of confidential instruments too.</summary>
    protected IQueryable<ServiceOffering> OwnOfferings => Db.ServiceOfferings.IgnoreQueryFilters([Instrument.PublishedFilter]);

    /// <summary>The key's JSON Pointer in the document (<c>/innerId</c>, <c>/externalId</c>).</summary>
    protected abstract string KeyPath { get; }

    protected IEnumerable<(int Index, TDoc Doc)> Valid => Batch.ValidIndexes().Select(i => (i, Docs[i]!));

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        // Reading the documents is independent per item: both cores share it.
        var valid = Batch.ValidIndexes().ToArray();
        Parallel.For(0, valid.Length, new ParallelOptions { CancellationToken = cancellationToken }, k => Read(valid[k]));
        Batch.Stages.Mark("read documents");
        CheckUnitAndKeys(valid);
        Batch.Stages.Mark("unit and key checks");
        await CheckRulesAsync(cancellationToken);
        Batch.Stages.Mark("rules and key lookup");
    }

    private readonly Dictionary<string, int> _firstIndexOfKey = new(StringComparer.Ordinal);

    /// <summary>Reads schema-valid item <paramref name="i"/> into its document (thread-safe per item), or fails it.</summary>
    public void Read(int i)
    {
        try
        {
            Docs[i] = Batch.Items[i].Deserialize<TDoc>(Options)!;
        }
        catch (JsonException e)
        {
            // The schema passed it, so this is a value beyond what the node stores (e.g. an integer past 2^31).
            Batch.Fail(i, PointerOf(e.Path), "The value cannot be stored: " + e.Message.Split(" Path:")[0]);
        }
    }

    /// <summary>The checks every kind has, for the still-valid items among <paramref name="indexes"/>, in order.</summary>
    protected void CheckUnitAndKeys(IEnumerable<int> indexes)
    {
        foreach (var i in indexes)
        {
            if (!Batch.IsValid(i))
            {
                continue;
            }
            var doc = Docs[i]!;
            if (doc.UnitId is { } unitId)
            {
                if (!CreditCode.IsValid(unitId))
                {
                    Batch.Fail(i, "/unitId", $"'{unitId}' is not a valid unified social credit code: wrong check character.");
                }
                else if (unitId != Unit)
                {
                    Batch.Fail(i, "/unitId", $"The item names unit {unitId}, but the client is bound to unit {Unit}: a unit pushes only its own data.");
                }
            }
            if (_firstIndexOfKey.TryGetValue(doc.Key, out var first))
            {
                Batch.Fail(i, KeyPath, $"Key '{doc.Key}' appears twice in the batch (also at index {first}).");
            }
            else
            {
                _firstIndexOfKey[doc.Key] = i;
            }
        }
    }

    /// <summary>The kind's own rules and the loads they need: one query per table, never one per item.</summary>
    protected abstract Task CheckRulesAsync(CancellationToken cancellationToken);

    public abstract Task<(int Created, int Updated)> WriteAsync(CancellationToken cancellationToken);

    /// <summary>The caller's instruments among <paramref name="innerIds"/>: innerId → id.</summary>
    protected async Task<Dictionary<string, Guid>> InstrumentIdsAsync(IEnumerable<string?> innerIds, CancellationToken cancellationToken)
    {
        var keys = innerIds.OfType<string>().Distinct().ToList();
        if (keys.Count == 0)
        {
            return [];
        }
        return await OwnInstruments.AsNoTracking()
            .Where(x => x.UnitId == Unit && EF.Parameter(keys).Contains(x.InnerId))
            .ToDictionaryAsync(x => x.InnerId, x => x.Id, StringComparer.Ordinal, cancellationToken);
    }

    protected void UnknownInstrument(int index, string innerId) =>
        Batch.Fail(index, "/instrumentInnerId", $"Unknown instrument innerId '{innerId}': unit {Unit} has no instrument with it (push or import the instrument first).");

    protected async Task InsertAsync<T>(List<T> rows, CancellationToken cancellationToken) where T : class
    {
        if (rows.Count == 0)
        {
            return;
        }
        Batch.Stages.Mark("map");
        await using var writer = await RowWriter<T>.BeginAsync(Db, cancellationToken);
        foreach (var row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            writer.Write(row);
        }
        await writer.CompleteAsync(cancellationToken);
        Batch.Stages.Mark("insert");
    }

    /// <summary>
    /// Saves the tracked changes. An instrument's <c>updatedAt</c> is a concurrency token: EF updates it only where the
    /// stored value equals the one it read, which holds on SQLite's text too, every writer storing an instant in one form
    /// (<see cref="Data.Instants"/>).
    /// </summary>
    protected Task SaveAsync(CancellationToken cancellationToken) => Db.SaveChangesAsync(cancellationToken);

    protected static T Wire<T>(string name) where T : struct, Enum => WireNames<T>.FromWire(name);

    private static string PointerOf(string? jsonPath)
    {
        // System.Text.Json reports "$.samples" or "$['a b']": turn the simple form into a JSON Pointer.
        if (string.IsNullOrEmpty(jsonPath) || jsonPath == "$")
        {
            return "";
        }
        return "/" + string.Join('/', jsonPath.TrimStart('$', '.').Split('.').Select(s => s.Replace("~", "~0").Replace("/", "~1")));
    }
}
