using System.Globalization;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Security;
using DxyqOpenData.Api.ServiceRecords;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Imports;

/// <summary>One schema-valid document to write, with the index its caller reports it by (an import's row number, a push's array index).</summary>
public sealed record DocumentItem(int Index, JsonObject Document);

/// <summary>A document refused after the schema: the field (JSON property) at fault, or null for the document as a whole.</summary>
public sealed record ItemRejection(int Index, string? Field, string Reason);

/// <summary>
/// The write core shared by imports and (later) the push API: given schema-valid documents of one kind, it applies the
/// checks JSON Schema cannot express and the unit binding (references resolve only within the caller's unit; a
/// <c>unitId</c> other than the caller's is refused), then upserts the accepted ones by the unit's own key. It does not
/// save or commit: the caller owns the transaction (<see cref="UnitDocumentWrite.WriteAsync"/>).
/// </summary>
public interface IUnitDocumentWriter
{
    /// <summary>The push / import kind, e.g. <c>service-records</c>.</summary>
    string Kind { get; }

    /// <summary>The scope a client needs to write this kind.</summary>
    string Scope { get; }

    Task<IReadOnlyList<ItemRejection>> UpsertAsync(CatalogDbContext db, string unitId, IReadOnlyList<DocumentItem> items, DateTime now, CancellationToken cancellationToken);
}

public static class UnitDocumentWrite
{
    /// <summary>Kinds whose write path exists; the other kinds have templates only (docs/imports.md).</summary>
    public static readonly IReadOnlyDictionary<string, IUnitDocumentWriter> Writers = new IUnitDocumentWriter[]
    {
        new ServiceRecordWriter(),
    }.ToDictionary(w => w.Kind, StringComparer.Ordinal);

    /// <summary>The scope each kind needs: service records <c>records.write</c>, the catalog kinds <c>catalog.write</c>.</summary>
    public static string ScopeFor(string kind) => kind == "service-records" ? Scopes.RecordsWrite : Scopes.CatalogWrite;

    /// <summary>
    /// Validates and upserts <paramref name="items"/> in one transaction: the accepted ones are all written or, if the
    /// database refuses, none is. Returns the rejected ones.
    /// </summary>
    public static async Task<IReadOnlyList<ItemRejection>> WriteAsync(CatalogDbContext db, IUnitDocumentWriter writer, string unitId,
        IReadOnlyList<DocumentItem> items, CancellationToken cancellationToken)
    {
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var rejected = await writer.UpsertAsync(db, unitId, items, DateTime.UtcNow, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            db.ChangeTracker.Clear();
            return rejected;
        });
    }

    internal static string? String(this JsonObject document, string field) => document[field]?.GetValue<string>();

    internal static DateTime Time(this JsonObject document, string field) =>
        DateTimeOffset.Parse(document.String(field)!, CultureInfo.InvariantCulture).UtcDateTime;
}

/// <summary>service-record/v1 documents → <see cref="ServiceRecord"/>, upserted by (unit, externalId).</summary>
internal sealed class ServiceRecordWriter : IUnitDocumentWriter
{
    public string Kind => "service-records";

    public string Scope => Scopes.RecordsWrite;

    /// <summary>Hours may exceed the time between start and end by this much (rounding in the unit's system).</summary>
    private const double HoursTolerance = 0.01;

    public async Task<IReadOnlyList<ItemRejection>> UpsertAsync(CatalogDbContext db, string unitId, IReadOnlyList<DocumentItem> items, DateTime now, CancellationToken cancellationToken)
    {
        var rejected = new List<ItemRejection>();
        var instrumentKeys = items.Select(i => i.Document.String("instrumentInnerId")!).Distinct().ToList();
        var instruments = await db.Instruments.Where(i => i.UnitId == unitId && instrumentKeys.Contains(i.InnerId))
            .Select(i => new { i.InnerId, i.Id }).ToDictionaryAsync(i => i.InnerId, i => i.Id, StringComparer.Ordinal, cancellationToken);
        var offeringKeys = items.Select(i => i.Document.String("serviceOfferingExternalId")).OfType<string>().Distinct().ToList();
        var offerings = await db.ServiceOfferings.Where(o => o.UnitId == unitId && offeringKeys.Contains(o.ExternalId))
            .Select(o => new { o.ExternalId, o.Id }).ToDictionaryAsync(o => o.ExternalId, o => o.Id, StringComparer.Ordinal, cancellationToken);
        var keys = items.Select(i => i.Document.String("externalId")!).Distinct().ToList();
        var existing = await db.ServiceRecords.AsTracking().Where(r => r.UnitId == unitId && keys.Contains(r.ExternalId))
            .ToDictionaryAsync(r => r.ExternalId, StringComparer.Ordinal, cancellationToken);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);

        foreach (var (index, document) in items)
        {
            var errors = new List<ItemRejection>();
            void Reject(string? field, string reason) => errors.Add(new ItemRejection(index, field, reason));

            var externalId = document.String("externalId")!;
            if (document.String("unitId") is { } given && given != unitId)
            {
                Reject("unitId", $"单位 {given} 不是客户端绑定的单位 / unitId {given} is not the unit the client is bound to ({unitId})");
            }
            if (seen.TryGetValue(externalId, out var first))
            {
                Reject("externalId", $"记录编号与第 {first} 项重复 / externalId '{externalId}' already given by item {first}");
            }
            var innerId = document.String("instrumentInnerId")!;
            if (!instruments.TryGetValue(innerId, out var instrumentId))
            {
                Reject("instrumentInnerId", $"本单位没有资产编号为 '{innerId}' 的仪器 / unknown instrument innerId '{innerId}' in unit {unitId}");
            }
            Guid? offeringId = null;
            if (document.String("serviceOfferingExternalId") is { } offeringKey)
            {
                if (offerings.TryGetValue(offeringKey, out var found)) { offeringId = found; }
                else { Reject("serviceOfferingExternalId", $"本单位没有编号为 '{offeringKey}' 的共享服务 / unknown service offering externalId '{offeringKey}' in unit {unitId}"); }
            }
            var started = document.Time("startedAt");
            var ended = document.Time("endedAt");
            var hours = document["hours"]!.GetValue<decimal>();
            if (ended < started)
            {
                Reject("endedAt", "结束时间早于开始时间 / endedAt is before startedAt");
            }
            else if ((double)hours > (ended - started).TotalHours + HoursTolerance)
            {
                Reject("hours", $"机时 {hours} 超过开始至结束的 {(ended - started).TotalHours:0.##} 小时 / hours exceed the time between startedAt and endedAt");
            }
            var fee = document["feeCny"]!.GetValue<decimal>();
            var voucherAmount = document["voucherAmountCny"]?.GetValue<decimal>();
            if (voucherAmount > fee)
            {
                Reject("voucherAmountCny", "创新券抵扣超过服务费 / voucherAmountCny exceeds feeCny");
            }
            if (document.String("userCreditCode") is { } userCode && !CreditCode.IsValid(userCode))
            {
                Reject("userCreditCode", $"'{userCode}' 的校验码不正确 / the check character of '{userCode}' is wrong");
            }
            if (errors.Count > 0)
            {
                rejected.AddRange(errors);
                continue;
            }
            seen[externalId] = index;

            if (!existing.TryGetValue(externalId, out var record))
            {
                record = new ServiceRecord { Id = Guid.NewGuid(), UnitId = unitId, ExternalId = externalId, UserName = "", UserOrganization = "" };
                db.ServiceRecords.Add(record);
                existing[externalId] = record;
            }
            record.InstrumentId = instrumentId;
            record.ServiceOfferingId = offeringId;
            record.StartedAt = started;
            record.EndedAt = ended;
            record.Hours = (double)hours;
            record.Samples = (int?)document["samples"]?.GetValue<long>();
            record.Content = document.String("content");
            record.Subject = document.String("subject");
            record.UserName = document.String("userName")!;
            record.UserOrganization = document.String("userOrganization")!;
            record.UserCreditCode = document.String("userCreditCode");
            record.UserRegionCode = document.String("userRegionCode");
            record.IsExternal = document["isExternal"]!.GetValue<bool>();
            record.IsStatutory = document["isStatutory"]?.GetValue<bool>() ?? false;
            record.FeeCny = fee;
            record.PaymentMethod = WireNames<PaymentMethod>.FromWire(document.String("paymentMethod")!);
            record.VoucherNo = document.String("voucherNo");
            record.VoucherAmountCny = voucherAmount;
            record.BookedOnPlatform = document["bookedOnPlatform"]?.GetValue<bool>() ?? false;
            record.Rating = (int?)document["rating"]?.GetValue<long>();
            record.Feedback = document.String("feedback");
            record.UpdatedAt = now;
        }
        return rejected;
    }
}
