using System.Text.Json;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Datasets;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Api.Sensors;
using DxyqOpenData.Api.ServiceOfferings;
using DxyqOpenData.Api.ServiceRecords;
using DxyqOpenData.Api.Vouchers;
using DxyqOpenData.Api.Supervision;
using LinqToDB.Data;
using LinqToDB.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Push;

/// <summary>One kind's checks and writes for one batch (a new instance per request).</summary>
internal interface IPushHandler
{
    /// <summary>Reads the schema-valid items and checks what the schema cannot say, failing items in the batch.</summary>
    Task CheckAsync(CancellationToken cancellationToken);

    /// <summary>Writes the items still valid (inside the caller's transaction): how many rows were created and updated.</summary>
    Task<(int Created, int Updated)> WriteAsync(CancellationToken cancellationToken);
}

/// <summary>
/// A kind whose items a push checks and writes chunk by chunk inside one transaction: the new rows of a chunk go to the
/// database (PostgreSQL's COPY, SQLite's prepared INSERT) while the next chunk is validated, so both cores (and the
/// database server) work at once. Any invalid item without continue-on-error rolls the whole transaction back.
/// </summary>
internal interface IStreamingPushHandler : IPushHandler, IAsyncDisposable
{
    /// <summary>Loads what the rules need, by the keys and references as the items name them (before they are validated).</summary>
    Task LoadAsync(CancellationToken cancellationToken);

    /// <summary>Reads schema-valid item <paramref name="index"/> into its document (thread-safe per item), or fails it.</summary>
    void Read(int index);

    /// <summary>Checks the read items in [<paramref name="from"/>, <paramref name="to"/>), in order, after <see cref="LoadAsync"/>.</summary>
    void Check(int from, int to);

    /// <summary>Opens the row writer inside the caller's transaction.</summary>
    Task BeginWriteAsync(CancellationToken cancellationToken);

    /// <summary>Writes the new rows of the still-valid items in [<paramref name="from"/>, <paramref name="to"/>) and hands them to the database.</summary>
    Task WriteNewAsync(int from, int to, CancellationToken cancellationToken);

    /// <summary>Completes the new rows and updates the existing ones: how many rows were created and updated.</summary>
    Task<(int Created, int Updated)> CompleteWriteAsync(CancellationToken cancellationToken);
}

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

internal sealed class InstrumentPushHandler(PushBatch batch) : PushHandler<InstrumentDocument>(batch)
{
    private Dictionary<string, Instrument> _existing = [];

    protected override string KeyPath => "/innerId";

    protected override async Task CheckRulesAsync(CancellationToken cancellationToken)
    {
        var keys = Valid.Select(v => v.Doc.InnerId).ToList();
        _existing = keys.Count == 0 ? [] : await OwnInstruments.AsTracking()
            .Where(x => x.UnitId == Unit && EF.Parameter(keys).Contains(x.InnerId))
            .ToDictionaryAsync(x => x.InnerId, StringComparer.Ordinal, cancellationToken);
    }

    public override async Task<(int Created, int Updated)> WriteAsync(CancellationToken cancellationToken)
    {
        var created = new List<Instrument>();
        var updated = 0;
        var calendar = await CalendarStore.LoadAsync(Db, cancellationToken);
        foreach (var (_, doc) in Valid)
        {
            if (!_existing.TryGetValue(doc.InnerId, out var row))
            {
                // Onboarding (入网) is the first time the node receives the instrument: now.
                row = new Instrument
                {
                    Id = Guid.NewGuid(), UnitId = Unit, InnerId = doc.InnerId, Name = doc.Name, CategoryCode = doc.CategoryCode,
                    RegionCode = doc.RegionCode, OnboardedAt = Now, RunState = RunState.Unknown,
                };
                created.Add(row);
            }
            else
            {
                updated++;
                row.OnboardedAt ??= Now;
            }
            Apply(row, doc);
            InstrumentDeadlines.Apply(row, calendar);
            row.UpdatedAt = Now;
        }
        await InsertAsync(created, cancellationToken);
        await SaveAsync(cancellationToken);
        return (created.Count, updated);
    }

    private static void Apply(Instrument row, InstrumentDocument doc)
    {
        row.Name = doc.Name;
        row.EnglishName = doc.EnglishName;
        row.Model = doc.Model;
        row.Manufacturer = doc.Manufacturer;
        row.CountryOfOrigin = doc.CountryOfOrigin;
        row.IsDomestic = doc.CountryOfOrigin == "CN";
        row.CategoryCode = doc.CategoryCode;
        row.InstrumentType = Wire<InstrumentType>(doc.InstrumentType);
        row.PriceCny = doc.PriceCny;
        row.FundingSource = Wire<FundingSource>(doc.FundingSource);
        row.IsConfidential = doc.IsConfidential ?? false;
        row.InSharedFacility = doc.InSharedFacility ?? false;
        row.PurchaseDate = doc.PurchaseDate;
        row.AcceptanceDate = doc.AcceptanceDate;
        row.ScrappedOn = doc.ScrappedOn;
        row.Status = Wire<InstrumentStatus>(doc.Status);
        row.ShareMode = Wire<ShareMode>(doc.ShareMode);
        row.RegionCode = doc.RegionCode;
        row.Address = doc.Address;
        row.Latitude = doc.Latitude;
        row.Longitude = doc.Longitude;
        row.TechnicalSpecs = doc.TechnicalSpecs;
        row.MainFunctions = doc.MainFunctions;
        row.SubjectAreas = doc.SubjectAreas;
        row.ServiceContent = doc.ServiceContent;
        row.ServiceRequirements = doc.ServiceRequirements;
        row.FeeStandard = doc.FeeStandard;
        row.ServiceUrl = doc.ServiceUrl;
        row.ContactName = doc.ContactName;
        row.ContactPhone = doc.ContactPhone;
        row.ContactEmail = doc.ContactEmail;
        row.CustomsDeclarationNo = doc.CustomsDeclarationNo;
        row.ImportDate = doc.ImportDate;
        row.HsCode = doc.HsCode;
        row.CustomsSupervisionEndsOn = doc.CustomsSupervisionEndsOn;
        row.RatedHoursPerYear = doc.RatedHoursPerYear;
    }
}

internal sealed class ServiceOfferingPushHandler(PushBatch batch) : PushHandler<ServiceOfferingDocument>(batch)
{
    private Dictionary<string, Guid> _instruments = [];
    private Dictionary<string, ServiceOffering> _existing = [];

    protected override string KeyPath => "/externalId";

    protected override async Task CheckRulesAsync(CancellationToken cancellationToken)
    {
        _instruments = await InstrumentIdsAsync(Valid.Select(v => v.Doc.InstrumentInnerId), cancellationToken);
        foreach (var (i, doc) in Valid.ToList())
        {
            if (!_instruments.ContainsKey(doc.InstrumentInnerId))
            {
                UnknownInstrument(i, doc.InstrumentInnerId);
            }
        }
        var keys = Valid.Select(v => v.Doc.ExternalId).ToList();
        _existing = keys.Count == 0 ? [] : await OwnOfferings.AsTracking()
            .Where(x => x.UnitId == Unit && EF.Parameter(keys).Contains(x.ExternalId))
            .ToDictionaryAsync(x => x.ExternalId, StringComparer.Ordinal, cancellationToken);
    }

    public override async Task<(int Created, int Updated)> WriteAsync(CancellationToken cancellationToken)
    {
        var created = new List<ServiceOffering>();
        var updated = 0;
        foreach (var (_, doc) in Valid)
        {
            if (!_existing.TryGetValue(doc.ExternalId, out var row))
            {
                row = new ServiceOffering { Id = Guid.NewGuid(), UnitId = Unit, ExternalId = doc.ExternalId, Name = doc.Name };
                created.Add(row);
            }
            else
            {
                updated++;
            }
            row.InstrumentId = _instruments[doc.InstrumentInnerId];
            row.Name = doc.Name;
            row.Kind = Wire<ServiceKind>(doc.Kind);
            row.Description = doc.Description;
            row.Process = doc.Process;
            row.FeeCny = doc.FeeCny;
            row.FeeUnit = Wire<FeeUnit>(doc.FeeUnit);
            row.Bookable = doc.Bookable ?? false;
            row.UpdatedAt = Now;
        }
        await InsertAsync(created, cancellationToken);
        await SaveAsync(cancellationToken);
        return (created.Count, updated);
    }
}

internal sealed class ServiceRecordPushHandler(PushBatch batch) : PushHandler<ServiceRecordDocument>(batch), IStreamingPushHandler
{
    /// <summary>How far <c>hours</c> may exceed <c>endedAt - startedAt</c> (rounding of the unit's system): one minute.</summary>
    public const double HoursTolerance = 1.0 / 60;

    private Dictionary<string, Guid> _instruments = [];
    private Dictionary<string, (Guid Id, Guid InstrumentId)> _offerings = [];
    private Dictionary<string, ServiceRecord> _existing = [];
    private readonly VoucherNumberRule _vouchers = new();
    private RowWriter<ServiceRecord>? _writer;

    protected override string KeyPath => "/externalId";

    protected override async Task CheckRulesAsync(CancellationToken cancellationToken)
    {
        await LoadReferencesAsync(Valid.Select(v => v.Doc.InstrumentInnerId), Valid.Select(v => v.Doc.ServiceOfferingExternalId), cancellationToken);
        await _vouchers.LoadAsync(Db, Unit, Valid.Select(v => v.Doc.VoucherNo), Valid.Select(v => v.Doc.ExternalId), cancellationToken);
        foreach (var (i, doc) in Valid.ToList())
        {
            CheckRules(i, doc);
        }
        await LoadExistingAsync(Valid.Select(v => v.Doc.ExternalId), cancellationToken);
    }

    private async Task LoadReferencesAsync(IEnumerable<string?> innerIds, IEnumerable<string?> offeringKeys, CancellationToken cancellationToken)
    {
        _instruments = await InstrumentIdsAsync(innerIds, cancellationToken);
        var keys = offeringKeys.OfType<string>().Distinct().ToList();
        _offerings = keys.Count == 0 ? [] : (await OwnOfferings.AsNoTracking()
                .Where(x => x.UnitId == Unit && keys.Contains(x.ExternalId))
                .Select(x => new { x.ExternalId, x.Id, x.InstrumentId })
                .ToListAsync(cancellationToken))
            .ToDictionary(x => x.ExternalId, x => (x.Id, x.InstrumentId), StringComparer.Ordinal);
    }

    private async Task LoadExistingAsync(IEnumerable<string?> externalIds, CancellationToken cancellationToken)
    {
        var keys = externalIds.OfType<string>().Distinct().ToList();
        _existing = keys.Count == 0 ? [] : await Db.ServiceRecords.AsTracking()
            .Where(x => x.UnitId == Unit && EF.Parameter(keys).Contains(x.ExternalId))
            .ToDictionaryAsync(x => x.ExternalId, StringComparer.Ordinal, cancellationToken);
    }

    private void CheckRules(int i, ServiceRecordDocument doc)
    {
        if (!_instruments.TryGetValue(doc.InstrumentInnerId, out var instrumentId))
        {
            UnknownInstrument(i, doc.InstrumentInnerId);
        }
        if (doc.ServiceOfferingExternalId is { } offeringKey)
        {
            if (!_offerings.TryGetValue(offeringKey, out var offering))
            {
                Batch.Fail(i, "/serviceOfferingExternalId", $"Unknown service offering externalId '{offeringKey}': unit {Unit} has no offering with it.");
            }
            else if (instrumentId != Guid.Empty && offering.InstrumentId != instrumentId)
            {
                Batch.Fail(i, "/serviceOfferingExternalId", $"Service offering '{offeringKey}' belongs to another instrument than '{doc.InstrumentInnerId}'.");
            }
        }
        if (doc.EndedAt < doc.StartedAt)
        {
            Batch.Fail(i, "/endedAt", $"endedAt ({doc.EndedAt:O}) is before startedAt ({doc.StartedAt:O}).");
        }
        else if (doc.Hours > (doc.EndedAt - doc.StartedAt).TotalHours + HoursTolerance)
        {
            Batch.Fail(i, "/hours", $"hours ({doc.Hours}) exceeds the time between startedAt and endedAt ({(doc.EndedAt - doc.StartedAt).TotalHours:0.##} h).");
        }
        if (doc.VoucherAmountCny is { } voucher && voucher > doc.FeeCny)
        {
            Batch.Fail(i, "/voucherAmountCny", $"voucherAmountCny ({voucher}) exceeds feeCny ({doc.FeeCny}).");
        }
        if (doc.UserCreditCode is { } code && !CreditCode.IsValid(code))
        {
            Batch.Fail(i, "/userCreditCode", $"'{code}' is not a valid unified social credit code: wrong check character.");
        }
        else if (doc.UserCreditCode is { } user && doc.IsExternal != (user != Unit))
        {
            // Derived, not declared: the user is outside the owning unit exactly when its credit code is another's.
            Batch.Fail(i, "/isExternal", user == Unit
                ? $"isExternal is true, but userCreditCode {user} is the owning unit's own: the user is internal."
                : $"isExternal is false, but userCreditCode {user} is not the owning unit's ({Unit}): the user is external.");
        }
        // Last: an item still valid here is one use of its voucher for the items after it.
        if (Batch.IsValid(i) && _vouchers.Check(Unit, doc.ExternalId, doc.VoucherNo, doc.VoucherSplit ?? false) is { } voucherError)
        {
            Batch.Fail(i, "/voucherNo", voucherError);
        }
    }

    public override async Task<(int Created, int Updated)> WriteAsync(CancellationToken cancellationToken)
    {
        var created = new List<ServiceRecord>();
        var updated = 0;
        foreach (var (_, doc) in Valid)
        {
            if (!_existing.TryGetValue(doc.ExternalId, out var row))
            {
                row = NewRow(doc);
                created.Add(row);
            }
            else
            {
                updated++;
            }
            Fill(row, doc);
        }
        await InsertAsync(created, cancellationToken);
        await SaveAsync(cancellationToken);
        return (created.Count, updated);
    }

    // --- the push's pipeline (IStreamingPushHandler) ----------------------------------------------------------------

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        // The keys as the items name them, before validation: the rules later look up only the valid items' ones.
        static string? Text(JsonElement item, string name) =>
            item.ValueKind == JsonValueKind.Object && item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            && PushBatch.TryGetText(value, out var text) ? text : null;
        await LoadReferencesAsync(Batch.Items.Select(e => Text(e, "instrumentInnerId")), Batch.Items.Select(e => Text(e, "serviceOfferingExternalId")), cancellationToken);
        await LoadExistingAsync(Batch.Keys, cancellationToken);
        await _vouchers.LoadAsync(Db, Unit, Batch.Items.Select(e => Text(e, "voucherNo")), Batch.Keys, cancellationToken);
    }

    public void Check(int from, int to)
    {
        CheckUnitAndKeys(Enumerable.Range(from, to - from));
        for (var i = from; i < to; i++)
        {
            if (Batch.IsValid(i))
            {
                CheckRules(i, Docs[i]!);
            }
        }
    }

    public async Task BeginWriteAsync(CancellationToken cancellationToken) =>
        _writer = await RowWriter<ServiceRecord>.BeginAsync(Db, cancellationToken);

    public async Task WriteNewAsync(int from, int to, CancellationToken cancellationToken)
    {
        var writer = _writer ?? throw new InvalidOperationException("BeginWriteAsync first.");
        for (var i = from; i < to; i++)
        {
            if (Batch.IsValid(i) && Docs[i] is { } doc && !_existing.ContainsKey(doc.ExternalId))
            {
                var row = NewRow(doc);
                Fill(row, doc);
                writer.Write(row);
            }
        }
        await writer.FlushAsync(cancellationToken);
    }

    public async Task<(int Created, int Updated)> CompleteWriteAsync(CancellationToken cancellationToken)
    {
        var created = 0;
        if (_writer is { } writer)
        {
            await writer.CompleteAsync(cancellationToken);
            created = writer.Rows;
        }
        var updated = 0;
        foreach (var (_, doc) in Valid)
        {
            if (_existing.TryGetValue(doc.ExternalId, out var row))
            {
                Fill(row, doc);
                updated++;
            }
        }
        await SaveAsync(cancellationToken);
        return (created, updated);
    }

    public async ValueTask DisposeAsync()
    {
        if (_writer is { } writer)
        {
            _writer = null;
            await writer.DisposeAsync();
        }
    }

    private ServiceRecord NewRow(ServiceRecordDocument doc) =>
        new() { Id = Guid.NewGuid(), UnitId = Unit, ExternalId = doc.ExternalId, UserName = doc.UserName, UserOrganization = doc.UserOrganization };

    private void Fill(ServiceRecord row, ServiceRecordDocument doc)
    {
        row.InstrumentId = _instruments[doc.InstrumentInnerId];
        row.ServiceOfferingId = doc.ServiceOfferingExternalId is { } o ? _offerings[o].Id : null;
        row.StartedAt = doc.StartedAt.UtcDateTime;
        row.EndedAt = doc.EndedAt.UtcDateTime;
        row.Hours = doc.Hours;
        row.Samples = doc.Samples;
        row.Content = doc.Content;
        row.Subject = doc.Subject;
        row.UserName = doc.UserName;
        row.UserOrganization = doc.UserOrganization;
        row.UserCreditCode = doc.UserCreditCode;
        row.UserRegionCode = doc.UserRegionCode;
        row.IsExternal = doc.IsExternal;
        row.IsStatutory = doc.IsStatutory ?? false;
        row.FeeCny = doc.FeeCny;
        row.PaymentMethod = Wire<PaymentMethod>(doc.PaymentMethod);
        row.VoucherNo = doc.VoucherNo;
        row.VoucherAmountCny = doc.VoucherAmountCny;
        row.VoucherSplit = doc.VoucherSplit ?? false;
        row.BookedOnPlatform = doc.BookedOnPlatform ?? false;
        row.BookedAt = doc.BookedAt?.UtcDateTime;
        row.BookingRef = doc.BookingRef;
        row.PaidAt = doc.PaidAt?.UtcDateTime;
        row.PaidAmountCny = doc.PaidAmountCny;
        row.PaymentRef = doc.PaymentRef;
        row.Rating = doc.Rating;
        row.RatedAt = doc.RatedAt?.UtcDateTime;
        row.Feedback = doc.Feedback;
        row.UpdatedAt = Now;
    }
}

internal sealed class DatasetPushHandler(PushBatch batch) : PushHandler<DatasetDocument>(batch)
{
    private Dictionary<string, Guid> _instruments = [];
    private Dictionary<string, Dataset> _existing = [];

    protected override string KeyPath => "/externalId";

    protected override async Task CheckRulesAsync(CancellationToken cancellationToken)
    {
        _instruments = await InstrumentIdsAsync(Valid.Select(v => v.Doc.InstrumentInnerId), cancellationToken);
        foreach (var (i, doc) in Valid.ToList())
        {
            if (doc.InstrumentInnerId is { } innerId && !_instruments.ContainsKey(innerId))
            {
                UnknownInstrument(i, innerId);
            }
        }
        var keys = Valid.Select(v => v.Doc.ExternalId).ToList();
        _existing = keys.Count == 0 ? [] : await Db.Datasets.AsTracking()
            .Where(x => x.UnitId == Unit && EF.Parameter(keys).Contains(x.ExternalId))
            .ToDictionaryAsync(x => x.ExternalId, StringComparer.Ordinal, cancellationToken);
    }

    public override async Task<(int Created, int Updated)> WriteAsync(CancellationToken cancellationToken)
    {
        var created = new List<Dataset>();
        var updated = 0;
        foreach (var (_, doc) in Valid)
        {
            if (!_existing.TryGetValue(doc.ExternalId, out var row))
            {
                row = new Dataset { Id = Guid.NewGuid(), UnitId = Unit, ExternalId = doc.ExternalId, Title = doc.Title, License = doc.License };
                created.Add(row);
            }
            else
            {
                updated++;
            }
            row.InstrumentId = doc.InstrumentInnerId is { } innerId ? _instruments[innerId] : null;
            row.Title = doc.Title;
            row.EnglishTitle = doc.EnglishTitle;
            row.Description = doc.Description;
            row.Keywords = doc.Keywords;
            row.SubjectAreas = doc.SubjectAreas;
            row.License = doc.License;
            row.Access = Wire<DatasetAccess>(doc.Access);
            row.Doi = doc.Doi;
            row.LandingPage = doc.LandingPage;
            row.MediaType = doc.MediaType;
            row.ByteSize = doc.ByteSize;
            row.Issued = doc.Issued;
            row.UpdatedAt = Now;
        }
        await InsertAsync(created, cancellationToken);
        await SaveAsync(cancellationToken);
        return (created.Count, updated);
    }
}

internal sealed class SensorPushHandler(PushBatch batch) : PushHandler<SensorDocument>(batch)
{
    /// <summary>The heartbeat a sensor gets when its document names none (the sensor sink's default).</summary>
    public const int DefaultHeartbeatSeconds = 300;

    private Dictionary<string, Sensor> _existing = [];
    private List<Instrument> _instruments = [];

    protected override string KeyPath => "/externalId";

    protected override async Task CheckRulesAsync(CancellationToken cancellationToken)
    {
        // Sensor ids are unique across the platform: look them up in every unit, and refuse another unit's.
        var ids = Valid.Select(v => v.Doc.ExternalId).ToList();
        _existing = ids.Count == 0 ? [] : await Db.Sensors.AsTracking()
            .Where(x => EF.Parameter(ids).Contains(x.Id))
            .ToDictionaryAsync(x => x.Id, StringComparer.Ordinal, cancellationToken);
        var innerIds = Valid.Select(v => v.Doc.InstrumentInnerId).OfType<string>().Distinct().ToList();
        // The instruments named, and those the batch's sensors are linked to now (one query): links move in memory.
        _instruments = await OwnInstruments.AsTracking()
            .Where(x => x.UnitId == Unit && (innerIds.Contains(x.InnerId) || (x.SensorId != null && ids.Contains(x.SensorId))))
            .ToListAsync(cancellationToken);
        var byInnerId = _instruments.ToDictionary(x => x.InnerId, StringComparer.Ordinal);
        var linked = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (i, doc) in Valid.ToList())
        {
            if (_existing.TryGetValue(doc.ExternalId, out var sensor) && sensor.UnitId != Unit)
            {
                Batch.Fail(i, "/externalId", $"Forbidden: sensor '{doc.ExternalId}' belongs to another unit; sensor ids are unique across the platform.");
            }
            if (doc.InstrumentInnerId is { } innerId)
            {
                if (!byInnerId.TryGetValue(innerId, out var target))
                {
                    UnknownInstrument(i, innerId);
                }
                else if (doc.Status == "active" && (target.Status == InstrumentStatus.Scrapped || target.ScrappedOn is not null))
                {
                    Batch.Fail(i, "/status", $"Instrument '{innerId}' is scrapped: its sensor is recovered (rule 2), so an active sensor cannot be linked to it.");
                }
                else if (linked.TryGetValue(innerId, out var first))
                {
                    Batch.Fail(i, "/instrumentInnerId", $"Instrument '{innerId}' gets a sensor twice in the batch (also at index {first}); an instrument has one sensor.");
                }
                else
                {
                    linked[innerId] = i;
                }
            }
        }
    }

    public override async Task<(int Created, int Updated)> WriteAsync(CancellationToken cancellationToken)
    {
        var created = new List<Sensor>();
        var updated = 0;
        var byInnerId = _instruments.ToDictionary(x => x.InnerId, StringComparer.Ordinal);
        var targets = new Dictionary<string, Instrument?>(StringComparer.Ordinal);
        foreach (var (_, doc) in Valid)
        {
            if (!_existing.TryGetValue(doc.ExternalId, out var row))
            {
                row = new Sensor { Id = doc.ExternalId, UnitId = Unit, Format = doc.Format, Status = SensorStatus.Inactive };
                created.Add(row);
            }
            else
            {
                updated++;
            }
            var instrument = doc.InstrumentInnerId is { } innerId ? byInnerId[innerId] : null;
            targets[doc.ExternalId] = instrument;
            row.InstrumentId = instrument?.Id;
            row.Format = doc.Format;
            row.Vendor = doc.Vendor;
            row.Model = doc.Model;
            row.InstalledAt = doc.InstalledAt?.UtcDateTime;
            row.CommissionedAt = doc.CommissionedAt?.UtcDateTime;
            row.HeartbeatSeconds = doc.HeartbeatSeconds ?? DefaultHeartbeatSeconds;
            row.Status = Wire<SensorStatus>(doc.Status);
            row.UpdatedAt = Now;
        }
        // New sensors first: instruments refer to them by foreign key.
        await InsertAsync(created, cancellationToken);

        // Instrument ↔ sensor links: an instrument whose sensor moved away loses it; a named instrument gets its sensor.
        var targetIds = targets.Values.OfType<Instrument>().Select(x => x.Id).ToList();
        var sensors = created.Concat(_existing.Values).ToDictionary(x => x.Id, StringComparer.Ordinal);
        foreach (var instrument in _instruments)
        {
            if (instrument.SensorId is { } current && targets.TryGetValue(current, out var target) && target?.Id != instrument.Id)
            {
                instrument.SensorId = null;
                instrument.SensorInstalledAt = null;
                instrument.UpdatedAt = Now;
            }
        }
        foreach (var (sensorId, instrument) in targets)
        {
            if (instrument is not null && instrument.SensorId != sensorId)
            {
                instrument.SensorId = sensorId;
                instrument.SensorInstalledAt = sensors[sensorId].InstalledAt ?? Now;
                instrument.UpdatedAt = Now;
            }
        }
        await SaveAsync(cancellationToken);
        if (targetIds.Count > 0)
        {
            // Sensors of this unit the named instruments had before, not in the batch, are unlinked.
            var batchIds = targets.Keys.ToList();
            await Db.Sensors
                .Where(s => s.UnitId == Unit && s.InstrumentId != null && targetIds.Contains(s.InstrumentId.Value) && !batchIds.Contains(s.Id))
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.InstrumentId, (Guid?)null), cancellationToken);
        }
        return (created.Count, updated);
    }
}

/// <summary>
/// Reads a money amount (every decimal of the push documents is CNY), refusing one the node cannot store: amounts are
/// kept as integer fen in 64 bits, so at most <see cref="Money.MaxCny"/>. The schemas bound the scale, not the size.
/// </summary>
internal sealed class MoneyJsonConverter : System.Text.Json.Serialization.JsonConverter<decimal>
{
    public override decimal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDecimal(out var value) || !Money.CanStore(value))
        {
            throw new JsonException($"An amount in CNY is at most {Money.MaxCny:N2}.");
        }
        return value;
    }

    public override void Write(Utf8JsonWriter writer, decimal value, JsonSerializerOptions options) => writer.WriteNumberValue(value);
}
