using System.Text.Json;
using DxyqOpenData.Api.Data.Reference;
using DxyqOpenData.Api.Push;
using DxyqOpenData.Api.Vouchers;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.ServiceRecords;

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
        // The user's organisation may be anywhere, and known only by its city or province: any code of the list.
        if (doc.UserRegionCode is { } region && Regions.Default.NotInList(region) is { } regionError)
        {
            Batch.Fail(i, "/userRegionCode", regionError);
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
        row.RewardedAsContract = doc.RewardedAsContract ?? false;
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
