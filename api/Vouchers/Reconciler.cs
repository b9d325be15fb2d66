using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.ServiceRecords;

namespace DxyqOpenData.Api.Vouchers;

/// <summary>
/// Matches ledger lines with the node's records (docs/vouchers.md, "The report"): every line is exactly one of matched,
/// amountMismatch, notInNode or ledgerDuplicate; every voucher-paid record of the period not matched by a line is
/// exactly one of notOnLedger or nodeDuplicate. Amounts are summed in integer fen.
/// </summary>
internal sealed class Reconciler
{
    public const string Matched = "matched";
    public const string AmountMismatch = "amountMismatch";
    public const string NotInNode = "notInNode";
    public const string NotOnLedger = "notOnLedger";
    public const string LedgerDuplicate = "ledgerDuplicate";
    public const string NodeDuplicate = "nodeDuplicate";

    private readonly Dictionary<string, Totals> _units = new(StringComparer.Ordinal);
    private readonly Totals _overall = new();
    private readonly List<ReconciliationItem> _items = [];

    /// <param name="lines">The ledger, in order.</param>
    /// <param name="records">The records the lines name and the voucher-paid records of the period, by (unit, externalId).</param>
    /// <param name="voucherUses">For the period's records: every record of the node carrying their voucher numbers, as "unit/externalId".</param>
    public static (ReconciliationTotals Totals, List<UnitReconciliationTotals> Units, List<ReconciliationItem> Items) Reconcile(
        IReadOnlyList<LedgerLine> lines, IReadOnlyDictionary<(string Unit, string ExternalId), NodeRecord> records,
        IReadOnlyDictionary<string, List<string>> voucherUses)
    {
        var r = new Reconciler();
        var onLedger = r.Ledger(lines, records);
        r.Node(records.Values.Where(n => n.InPeriod && n.PaymentMethod == PaymentMethod.Voucher && !onLedger.Contains(n.Id))
            .OrderBy(n => n.UnitId, StringComparer.Ordinal).ThenBy(n => n.ExternalId, StringComparer.Ordinal), voucherUses);
        return (r._overall.ToTotals(), r._units.OrderBy(u => u.Key, StringComparer.Ordinal)
            .Select(u => new UnitReconciliationTotals(u.Key, u.Value.ToTotals())).ToList(), r._items);
    }

    private HashSet<Guid> Ledger(IReadOnlyList<LedgerLine> lines, IReadOnlyDictionary<(string, string), NodeRecord> records)
    {
        var byLineId = new Dictionary<string, int>(StringComparer.Ordinal);
        var byRecord = new Dictionary<(string, string), int>();
        var matched = new HashSet<Guid>();
        foreach (var line in lines)
        {
            var key = (line.UnitId, line.ExternalId);
            if (byLineId.TryGetValue(line.LineId, out var first) || byRecord.TryGetValue(key, out first))
            {
                var reason = byLineId.ContainsKey(line.LineId) ? "sameLineId" : "sameRecord";
                Add(LedgerDuplicate, line.UnitId, line.AmountFen, 0, ItemOf(LedgerDuplicate, line, null, reason) with { FirstLine = first });
                continue;
            }
            byLineId[line.LineId] = line.Line;
            byRecord[key] = line.Line;
            records.TryGetValue(key, out var record);
            var missing = record is null ? "noSuchRecord"
                : record.PaymentMethod != PaymentMethod.Voucher ? "notVoucherPaid"
                : record.VoucherNo != line.VoucherNo ? "voucherNoDiffers"
                : null;
            if (missing is not null)
            {
                Add(NotInNode, line.UnitId, line.AmountFen, 0, ItemOf(NotInNode, line, record, missing));
                continue;
            }
            matched.Add(record!.Id);
            var kind = record.VoucherFen == line.AmountFen ? Matched : AmountMismatch;
            var item = ItemOf(kind, line, record, null) with
            {
                NodeCny = Money.FromFen(record.VoucherFen),
                DifferenceCny = Money.FromFen(line.AmountFen - record.VoucherFen),
                Seamless = record.Verdict.Seamless,
                MissingSteps = record.Verdict.MissingSteps,
                Inconsistencies = record.Verdict.Inconsistencies,
            };
            Add(kind, record.UnitId, line.AmountFen, record.VoucherFen, item);
            if (!record.Verdict.Seamless)
            {
                Bucket(record.UnitId, t => t.NotSeamless).Add(line.AmountFen, record.VoucherFen);
            }
        }
        return matched;
    }

    private void Node(IEnumerable<NodeRecord> unmatched, IReadOnlyDictionary<string, List<string>> voucherUses)
    {
        foreach (var record in unmatched)
        {
            var self = $"{record.UnitId}/{record.ExternalId}";
            var others = voucherUses.GetValueOrDefault(record.VoucherNo!)?.Where(u => u != self).Order(StringComparer.Ordinal).ToList() ?? [];
            var kind = others.Count > 0 ? NodeDuplicate : NotOnLedger;
            Add(kind, record.UnitId, 0, record.VoucherFen, new ReconciliationItem(kind, null, null, record.VoucherNo!, record.UnitId, record.ExternalId,
                record.Id, null, Money.FromFen(record.VoucherFen), Money.FromFen(-record.VoucherFen), null, null, record.Verdict.Seamless,
                record.Verdict.MissingSteps, record.Verdict.Inconsistencies, others.Count > 0 ? others : null));
        }
    }

    private static ReconciliationItem ItemOf(string kind, LedgerLine line, NodeRecord? record, string? reason) => new(
        kind, line.Line, line.LineId, line.VoucherNo, line.UnitId, line.ExternalId, record?.Id, Money.FromFen(line.AmountFen), null,
        Money.FromFen(line.AmountFen), reason, null, null, null, null, null);

    private void Add(string kind, string unit, long ledgerFen, long nodeFen, ReconciliationItem item)
    {
        _items.Add(item);
        Bucket(unit, t => t.Kind(kind)).Add(ledgerFen, nodeFen);
    }

    /// <summary>Adds to the bucket in the unit's totals and in the overall ones.</summary>
    private Counter Bucket(string unit, Func<Totals, Counter> bucket)
    {
        if (!_units.TryGetValue(unit, out var totals))
        {
            _units[unit] = totals = new Totals();
        }
        return new Counter.Pair(bucket(totals), bucket(_overall));
    }

    private class Counter
    {
        public int Count { get; private set; }
        public long LedgerFen { get; private set; }
        public long NodeFen { get; private set; }

        public virtual void Add(long ledgerFen, long nodeFen)
        {
            Count++;
            LedgerFen = checked(LedgerFen + ledgerFen);
            NodeFen = checked(NodeFen + nodeFen);
        }

        public ReconciliationBucket ToBucket() =>
            new(Count, Money.FromFen(LedgerFen), Money.FromFen(NodeFen), Money.FromFen(LedgerFen - NodeFen));

        public sealed class Pair(Counter a, Counter b) : Counter
        {
            public override void Add(long ledgerFen, long nodeFen)
            {
                a.Add(ledgerFen, nodeFen);
                b.Add(ledgerFen, nodeFen);
            }
        }
    }

    private sealed class Totals
    {
        private readonly Dictionary<string, Counter> _kinds = new[] { Matched, AmountMismatch, NotInNode, NotOnLedger, LedgerDuplicate, NodeDuplicate }
            .ToDictionary(k => k, _ => new Counter(), StringComparer.Ordinal);

        public Counter NotSeamless { get; } = new();

        public Counter Kind(string kind) => _kinds[kind];

        public ReconciliationTotals ToTotals()
        {
            var ledgerLines = new[] { Matched, AmountMismatch, NotInNode, LedgerDuplicate }.Sum(k => _kinds[k].Count);
            var nodeRecords = new[] { Matched, AmountMismatch, NotOnLedger, NodeDuplicate }.Sum(k => _kinds[k].Count);
            var ledgerFen = _kinds.Values.Sum(c => c.LedgerFen);
            var nodeFen = _kinds.Values.Sum(c => c.NodeFen);
            return new ReconciliationTotals(ledgerLines, nodeRecords, Money.FromFen(ledgerFen), Money.FromFen(nodeFen), Money.FromFen(ledgerFen - nodeFen),
                _kinds[Matched].ToBucket(), _kinds[AmountMismatch].ToBucket(), _kinds[NotInNode].ToBucket(), _kinds[NotOnLedger].ToBucket(),
                _kinds[LedgerDuplicate].ToBucket(), _kinds[NodeDuplicate].ToBucket(), NotSeamless.ToBucket());
        }
    }
}
