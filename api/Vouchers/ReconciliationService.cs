using System.Data.Common;
using System.IO.Compression;
using System.Text.Json;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Push;
using DxyqOpenData.Api.ServiceRecords;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Vouchers;

/// <summary>
/// <c>POST /api/v1/vouchers/reconciliations</c>: read and validate the ledger (422 naming every invalid line and field,
/// nothing recorded), reserve the Idempotency-Key as a push does, load the records the ledger names and the period's
/// voucher-paid records, match them (<see cref="Reconciler"/>) and store the report with the key's answer in one transaction.
/// </summary>
internal sealed class ReconciliationService(CatalogDbContext db, IdempotencyKeys keys, VoucherOptions options, ILogger<ReconciliationService> logger)
{
    /// <summary>Keys per lookup query (one parameter list each).</summary>
    private const int LookupChunk = 5_000;

    public async Task<PushResponse> HandleAsync(HttpContext http, string? from, string? to, CancellationToken cancellationToken)
    {
        IdempotencyKey? reserved = null;
        try
        {
            var (period, periodErrors) = VoucherPeriod.Parse(from, to);
            if (period is null)
            {
                return PushService.Problem(http, StatusCodes.Status400BadRequest, "Invalid period",
                    string.Join(" ", periodErrors.Values.SelectMany(v => v)), new Dictionary<string, object?> { ["errors"] = periodErrors });
            }
            var body = await PushBody.ReadAsync(http.Request, options.MaxBytes, cancellationToken, "Vouchers:MaxBytes");
            var items = LedgerReader.Parse(body, http.Request.ContentType);
            if (items.Count > options.MaxLines)
            {
                return PushService.Problem(http, StatusCodes.Status413PayloadTooLarge, "Too many ledger lines",
                    $"A reconciliation takes at most {options.MaxLines} ledger lines (Vouchers:MaxLines); this ledger has {items.Count}. Split the period.",
                    new Dictionary<string, object?> { ["limit"] = "Vouchers:MaxLines", ["maxLines"] = options.MaxLines });
            }
            if (http.Request.Headers.TryGetValue(IdempotencyKeys.Header, out var header))
            {
                var request = $"POST /api/v1/vouchers/reconciliations\n{period.From:O}\n{period.To:O}\n{http.Request.ContentType}\n";
                var (replay, row) = await keys.ReserveAsync(http, header, request, body, cancellationToken);
                if (replay is not null)
                {
                    return WithLocation(replay);
                }
                reserved = row;
            }
            var (lines, errors) = LedgerReader.Validate(items, cancellationToken);
            var response = errors.Count > 0
                ? await RefuseAsync(http, items.Count, errors, reserved, cancellationToken)
                : await ReconcileAsync(http, period, lines, reserved, cancellationToken);
            if (reserved?.ResponseBody is not null)
            {
                reserved = null; // stored with the answer
            }
            return response;
        }
        catch (PushBodyException e)
        {
            return PushService.Problem(http, e.Status, e.Title, e.Detail, e.Extensions);
        }
        finally
        {
            if (reserved is not null)
            {
                await keys.ReleaseAsync(reserved);
            }
        }
    }

    private async Task<PushResponse> RefuseAsync(HttpContext http, int received, List<LedgerLineError> errors, IdempotencyKey? reserved,
        CancellationToken cancellationToken)
    {
        var invalid = errors.Select(e => e.Line).Distinct().Count();
        var problem = PushService.Problem(http, StatusCodes.Status422UnprocessableEntity, "Invalid ledger lines",
            $"{invalid} of {received} ledger lines are invalid; nothing was recorded. Fix them and post the ledger again.",
            new Dictionary<string, object?> { ["received"] = received, ["invalidLines"] = invalid, ["errors"] = errors });
        if (reserved is not null)
        {
            await keys.RememberAsync(reserved, problem, cancellationToken); // nothing is recorded either way
        }
        return problem;
    }

    private async Task<PushResponse> ReconcileAsync(HttpContext http, VoucherPeriod period, LedgerLine[] lines, IdempotencyKey? reserved,
        CancellationToken cancellationToken)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var records = await LoadRecordsAsync(period, lines, cancellationToken);
        var uses = await VoucherUsesAsync(records.Values.Where(r => r.InPeriod).Select(r => r.VoucherNo!), cancellationToken);
        var (totals, units, items) = Reconciler.Reconcile(lines, records, uses);

        var id = Guid.NewGuid();
        var now = DateTime.UtcNow;
        var report = new ReconciliationReport(id, now, period.From, period.To, totals, units, items);
        var summary = VouchersApi.SummaryOf(report);
        var row = new VoucherReconciliation
        {
            Id = id, ClientId = IdempotencyKeys.ClientIdOf(http.User) ?? "", CreatedAt = now, From = period.From, To = period.To,
            Summary = JsonSerializer.Serialize(summary, VouchersApi.Json), Report = Compress(report),
        };
        var response = new PushResponse(StatusCodes.Status201Created, "application/json; charset=utf-8",
            JsonSerializer.SerializeToUtf8Bytes(summary, VouchersApi.Json), new Dictionary<string, string> { ["Location"] = summary.Report });
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            db.VoucherReconciliations.Add(row);
            await db.SaveChangesAsync(cancellationToken);
            if (reserved is not null && !await keys.RememberAsync(reserved, response, cancellationToken))
            {
                // The reservation ran out and another request holds the key now: this report is not stored.
                await transaction.RollbackAsync(cancellationToken);
                db.ChangeTracker.Clear();
                reserved.ResponseBody = ""; // not ours to release any more
                return PushService.Problem(http, StatusCodes.Status409Conflict, "Idempotency-Key reservation expired",
                    "This reconciliation ran longer than its Idempotency-Key's reservation and the key was taken by another request; " +
                    "nothing of it was recorded. Replay it to read the other request's answer.", null);
            }
            await transaction.CommitAsync(cancellationToken);
        }
        catch (Exception e) when (e is DbUpdateException or DbException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "Reconciliation {Id} could not be stored", id);
            db.ChangeTracker.Clear();
            if (reserved is not null)
            {
                reserved.ResponseBody = null;
            }
            return PushService.Problem(http, StatusCodes.Status409Conflict, "Conflicting write", "The reconciliation could not be stored; post it again.", null);
        }
        logger.LogInformation("Reconciliation {Id}: {Lines} ledger lines, {Matched} matched, difference {Difference} CNY, in {Ms} ms",
            id, lines.Length, totals.Matched.Count, totals.DifferenceCny, watch.ElapsedMilliseconds);
        return response;
    }

    /// <summary>The period's voucher-paid records, then the records the lines name that are not among them (any period, any payment).</summary>
    private async Task<Dictionary<(string, string), NodeRecord>> LoadRecordsAsync(VoucherPeriod period, LedgerLine[] lines, CancellationToken cancellationToken)
    {
        var records = new Dictionary<(string, string), NodeRecord>();
        var inPeriod = db.ServiceRecords.AsNoTracking()
            .Where(r => r.PaymentMethod == PaymentMethod.Voucher && r.VoucherNo != null && r.StartedAt >= period.From && r.StartedAt < period.To);
        foreach (var record in await ProjectAsync(inPeriod, true, cancellationToken))
        {
            records[(record.UnitId, record.ExternalId)] = record;
        }
        // Looked up per unit: the unique index on (unit_id, external_id) answers each key (external ids alone have no index).
        var missing = lines.Where(l => !records.ContainsKey((l.UnitId, l.ExternalId)))
            .GroupBy(l => l.UnitId, l => l.ExternalId, StringComparer.Ordinal);
        foreach (var unit in missing)
        {
            foreach (var chunk in unit.Distinct(StringComparer.Ordinal).Chunk(LookupChunk))
            {
                var named = db.ServiceRecords.AsNoTracking().Where(r => r.UnitId == unit.Key && EF.Parameter(chunk).Contains(r.ExternalId));
                foreach (var record in await ProjectAsync(named, false, cancellationToken))
                {
                    records.TryAdd((record.UnitId, record.ExternalId), record);
                }
            }
        }
        return records;
    }

    private static async Task<List<NodeRecord>> ProjectAsync(IQueryable<ServiceRecords.ServiceRecord> records, bool inPeriod, CancellationToken cancellationToken)
    {
        var rows = await records.Select(r => new
        {
            r.Id, r.UnitId, r.ExternalId, r.PaymentMethod, r.VoucherNo, r.VoucherAmountCny, r.BookedOnPlatform, r.BookedAt, r.BookingRef,
            r.StartedAt, r.EndedAt, r.PaidAt, r.PaidAmountCny, r.PaymentRef, r.FeeCny, r.RatedAt, r.Rating,
        }).ToListAsync(cancellationToken);
        return rows.Select(r => new NodeRecord(r.Id, r.UnitId.Trim(), r.ExternalId, r.PaymentMethod, r.VoucherNo,
            Money.ToFen(r.VoucherAmountCny ?? 0m), inPeriod,
            SeamlessRedemption.Judge(new FlowEvidence(r.BookedOnPlatform, r.BookedAt, r.BookingRef, r.StartedAt, r.EndedAt, r.PaidAt,
                r.PaidAmountCny, r.VoucherAmountCny, r.PaymentRef, r.FeeCny, r.RatedAt, r.Rating)))).ToList();
    }

    /// <summary>Every record of the node carrying one of <paramref name="voucherNos"/>, as "unit/externalId" by voucher number.</summary>
    private async Task<Dictionary<string, List<string>>> VoucherUsesAsync(IEnumerable<string> voucherNos, CancellationToken cancellationToken)
    {
        var uses = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var chunk in voucherNos.Distinct(StringComparer.Ordinal).Chunk(LookupChunk))
        {
            var rows = await db.ServiceRecords.AsNoTracking().Where(r => r.VoucherNo != null && EF.Parameter(chunk).Contains(r.VoucherNo))
                .Select(r => new { r.VoucherNo, r.UnitId, r.ExternalId }).ToListAsync(cancellationToken);
            foreach (var row in rows)
            {
                if (!uses.TryGetValue(row.VoucherNo!, out var list))
                {
                    uses[row.VoucherNo!] = list = [];
                }
                list.Add($"{row.UnitId.Trim()}/{row.ExternalId}");
            }
        }
        return uses;
    }

    private static byte[] Compress(ReconciliationReport report)
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Fastest))
        {
            JsonSerializer.Serialize(gzip, report, VouchersApi.Json);
        }
        return memory.ToArray();
    }

    /// <summary>A replayed 201 gets its Location back from the stored summary.</summary>
    private static PushResponse WithLocation(PushResponse replay)
    {
        if (replay.Status != StatusCodes.Status201Created)
        {
            return replay;
        }
        var summary = JsonSerializer.Deserialize<ReconciliationSummary>(replay.Body, VouchersApi.Json)!;
        return replay with { Headers = new Dictionary<string, string>(replay.Headers) { ["Location"] = summary.Report } };
    }
}
