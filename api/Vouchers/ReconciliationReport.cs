namespace DxyqOpenData.Api.Vouchers;

/// <summary>
/// One finding of a reconciliation. Ledger-side kinds (<c>matched</c>, <c>amountMismatch</c>, <c>notInNode</c>,
/// <c>ledgerDuplicate</c>) carry the ledger line; node-side kinds (<c>notOnLedger</c>, <c>nodeDuplicate</c>) the record.
/// </summary>
public sealed record ReconciliationItem(
    string Kind,
    int? Line,
    string? LineId,
    string VoucherNo,
    string UnitId,
    string ExternalId,
    Guid? RecordId,
    decimal? LedgerCny,
    decimal? NodeCny,
    decimal? DifferenceCny,
    string? Reason,
    int? FirstLine,
    bool? Seamless,
    IReadOnlyList<string>? MissingSteps,
    IReadOnlyList<string>? Inconsistencies,
    IReadOnlyList<string>? AlsoUsedBy);

/// <summary>How many findings of a kind and their amounts on each side; <see cref="DifferenceCny"/> is ledger − node.</summary>
public sealed record ReconciliationBucket(int Count, decimal LedgerCny, decimal NodeCny, decimal DifferenceCny);

/// <summary>
/// Totals that balance to the fen: <c>ledgerCny</c> is the sum of the ledger-side kinds' <c>ledgerCny</c>, <c>nodeCny</c>
/// the sum of the node-side kinds' <c>nodeCny</c> (matched and amountMismatch count on both sides), and
/// <c>differenceCny = ledgerCny − nodeCny</c>. <c>notSeamless</c> overlaps matched and amountMismatch.
/// </summary>
public sealed record ReconciliationTotals(
    int LedgerLines,
    int NodeRecords,
    decimal LedgerCny,
    decimal NodeCny,
    decimal DifferenceCny,
    ReconciliationBucket Matched,
    ReconciliationBucket AmountMismatch,
    ReconciliationBucket NotInNode,
    ReconciliationBucket NotOnLedger,
    ReconciliationBucket LedgerDuplicate,
    ReconciliationBucket NodeDuplicate,
    ReconciliationBucket NotSeamless);

/// <summary>The totals of one unit (the record's unit, or the unit a ledger line names).</summary>
public sealed record UnitReconciliationTotals(string UnitId, ReconciliationTotals Totals);

/// <summary>What the list and the POST answer show of a reconciliation, with links to the whole report.</summary>
public sealed record ReconciliationSummary(Guid Id, DateTime CreatedAt, DateTime From, DateTime To, ReconciliationTotals Totals, string Report, string ReportCsv);

/// <summary>The whole stored report: totals overall and per unit, and every finding.</summary>
public sealed record ReconciliationReport(
    Guid Id,
    DateTime CreatedAt,
    DateTime From,
    DateTime To,
    ReconciliationTotals Totals,
    IReadOnlyList<UnitReconciliationTotals> Units,
    IReadOnlyList<ReconciliationItem> Items);

/// <summary>A page of reconciliations, newest first.</summary>
public sealed record ReconciliationList(IReadOnlyList<ReconciliationSummary> Value, string? NextLink);
