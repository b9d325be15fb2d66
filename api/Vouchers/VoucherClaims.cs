using System.Text;
using System.Text.Json;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Operations;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Api.ServiceRecords;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Vouchers;

/// <summary>
/// <c>GET /api/v1/vouchers/claims</c>: the voucher-paid records that started in the period, by start time then unit and
/// record key, a page at a time (keyset paging: the next link carries the last row's key), as JSON or CSV.
/// </summary>
internal static class VoucherClaims
{
    public const int DefaultPageSize = 1000;
    public const int MaxPageSize = 10_000;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<IResult> ListAsync(HttpContext http, CatalogDbContext db, string? from, string? to, string? unitId,
        string? enterpriseCreditCode, int? pageSize, string? after, CancellationToken cancellationToken)
    {
        var (period, errors) = VoucherPeriod.Parse(from, to);
        var size = pageSize ?? DefaultPageSize;
        if (size is < 1 or > MaxPageSize)
        {
            errors["pageSize"] = [$"pageSize must be between 1 and {MaxPageSize}."];
        }
        var cursor = after is null ? null : Cursor.Parse(after);
        if (after is not null && cursor is null)
        {
            errors["after"] = ["after is not a cursor this node wrote: follow nextLink as it is."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation);
        }

        var records = db.ServiceRecords.AsNoTracking()
            .Where(r => r.PaymentMethod == PaymentMethod.Voucher && r.VoucherNo != null && r.StartedAt >= period!.From && r.StartedAt < period.To);
        if (!string.IsNullOrEmpty(unitId))
        {
            records = records.Where(r => r.UnitId == unitId);
        }
        if (!string.IsNullOrEmpty(enterpriseCreditCode))
        {
            records = records.Where(r => r.UserCreditCode == enterpriseCreditCode);
        }
        if (cursor is { } c)
        {
            records = records.Where(r => r.StartedAt > c.StartedAt
                || (r.StartedAt == c.StartedAt && (string.Compare(r.UnitId, c.UnitId) > 0
                    || (r.UnitId == c.UnitId && string.Compare(r.ExternalId, c.ExternalId) > 0))));
        }
        var rows = await (
                from r in records
                join u in db.Units on r.UnitId equals u.Id into units
                from u in units.DefaultIfEmpty()
                join i in db.Instruments on r.InstrumentId equals i.Id into instruments   // confidential ones stay unnamed
                from i in instruments.DefaultIfEmpty()
                orderby r.StartedAt, r.UnitId, r.ExternalId
                select new { Record = r, UnitName = u != null ? u.Name : null, InstrumentName = i != null ? i.Name : null })
            .Take(size + 1)
            .ToListAsync(cancellationToken);

        var claims = rows.Take(size).Select(x => ToClaim(x.Record, x.UnitName, x.InstrumentName)).ToList();
        string? next = null;
        if (rows.Count > size)
        {
            var last = claims[^1];
            next = NextLink(http.Request, new Cursor(last.StartedAt, last.UnitId, last.ExternalId).ToString());
            http.Response.Headers.Link = $"<{next}>; rel=\"next\"";
        }
        if (CsvTable.Wanted(http.Request))
        {
            return TypedResults.File(CsvTable.Write(CsvTable.Columns<VoucherClaim>(Json), claims, Json), CsvTable.MediaType + "; charset=utf-8");
        }
        return TypedResults.Json(new VoucherClaimPage(period!.From, period.To, claims, next), Json);
    }

    private static VoucherClaim ToClaim(ServiceRecords.ServiceRecord r, string? unitName, string? instrumentName)
    {
        var verdict = SeamlessRedemption.Judge(Evidence.Of(r));
        return new VoucherClaim(r.Id, r.UnitId.Trim(), unitName, r.ExternalId, r.InstrumentId, instrumentName, r.VoucherNo!, r.VoucherSplit,
            r.UserCreditCode?.Trim(), r.UserOrganization, r.UserRegionCode?.Trim(), r.FeeCny, r.VoucherAmountCny ?? 0m, r.BookedOnPlatform,
            r.BookedAt, r.BookingRef, r.StartedAt, r.EndedAt, r.Hours, r.PaidAt, r.PaidAmountCny, r.PaymentRef, r.RatedAt, r.Rating,
            verdict.Seamless, verdict.MissingSteps, verdict.Inconsistencies);
    }

    private static string NextLink(HttpRequest request, string after)
    {
        var query = request.Query.Where(q => q.Key != "after").Select(q => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Value.ToString())}")
            .Append("after=" + Uri.EscapeDataString(after));
        return $"{request.PathBase}{request.Path}?{string.Join('&', query)}";
    }

    /// <summary>The last row's key, base64url of "ticks|unit|externalId".</summary>
    private sealed record Cursor(DateTime StartedAt, string UnitId, string ExternalId)
    {
        public override string ToString() =>
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{StartedAt.Ticks}|{UnitId}|{ExternalId}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        public static Cursor? Parse(string text)
        {
            try
            {
                var base64 = text.Replace('-', '+').Replace('_', '/');
                var parts = Encoding.UTF8.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '='))).Split('|', 3);
                return parts.Length == 3 && long.TryParse(parts[0], out var ticks) && ticks >= 0 && ticks <= DateTime.MaxValue.Ticks
                    ? new Cursor(new DateTime(ticks, DateTimeKind.Utc), parts[1], parts[2]) : null;
            }
            catch (FormatException)
            {
                return null;
            }
        }
    }
}
