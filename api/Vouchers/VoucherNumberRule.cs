using DxyqOpenData.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Vouchers;

/// <summary>
/// A voucher number is used once across the node, unless the voucher system split the voucher over several records:
/// then every record carrying it says <c>voucherSplit</c> (docs/vouchers.md, "One voucher, one record"). A push or an
/// import checks its items in order against the stored records (other than those the batch rewrites) and the batch's
/// earlier accepted items.
/// </summary>
internal sealed class VoucherNumberRule
{
    private readonly record struct Use(string UnitId, string ExternalId, bool Split);

    private Dictionary<string, List<Use>> _stored = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Use>> _accepted = new(StringComparer.Ordinal);

    /// <summary>The stored uses of <paramref name="voucherNos"/>, except this unit's records the batch rewrites (<paramref name="batchKeys"/>).</summary>
    public async Task LoadAsync(CatalogDbContext db, string unit, IEnumerable<string?> voucherNos, IEnumerable<string?> batchKeys,
        CancellationToken cancellationToken)
    {
        var numbers = voucherNos.OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        if (numbers.Count == 0)
        {
            return;
        }
        var rewritten = batchKeys.OfType<string>().ToHashSet(StringComparer.Ordinal);
        var rows = await db.ServiceRecords.AsNoTracking()
            .Where(r => r.VoucherNo != null && EF.Parameter(numbers).Contains(r.VoucherNo))
            .Select(r => new { VoucherNo = r.VoucherNo!, r.UnitId, r.ExternalId, r.VoucherSplit })
            .ToListAsync(cancellationToken);
        _stored = rows.Where(r => !(r.UnitId.Trim() == unit && rewritten.Contains(r.ExternalId)))
            .GroupBy(r => r.VoucherNo, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(r => new Use(r.UnitId.Trim(), r.ExternalId, r.VoucherSplit)).ToList(), StringComparer.Ordinal);
    }

    /// <summary>
    /// Why the item may not carry <paramref name="voucherNo"/>, or null: then it counts as a use for the items after it.
    /// </summary>
    public string? Check(string unit, string externalId, string? voucherNo, bool split)
    {
        if (voucherNo is null)
        {
            return null;
        }
        var others = (_stored.GetValueOrDefault(voucherNo) ?? []).Concat(_accepted.GetValueOrDefault(voucherNo) ?? []).ToList();
        if (others.Count > 0 && (!split || others.Any(o => !o.Split)))
        {
            var other = others.FirstOrDefault(o => !o.Split);
            other = other == default ? others[0] : other;
            return $"Voucher '{voucherNo}' is already used by record '{other.ExternalId}' of unit {other.UnitId}: a voucher number is used once " +
                "unless the voucher system split it, and then every record carrying it says voucherSplit: true.";
        }
        if (!_accepted.TryGetValue(voucherNo, out var uses))
        {
            _accepted[voucherNo] = uses = [];
        }
        uses.Add(new Use(unit, externalId, split));
        return null;
    }
}
