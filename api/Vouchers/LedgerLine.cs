namespace DxyqOpenData.Api.Vouchers;

/// <summary>
/// One schema-valid line of a voucher system's ledger (/schemas/voucher-ledger-line/v1.json). <see cref="Line"/> is its
/// 1-based position in the ledger; the amount is integer fen.
/// </summary>
internal sealed record LedgerLine(int Line, string LineId, string VoucherNo, string UnitId, string ExternalId,
    string EnterpriseCreditCode, long AmountFen, DateTime PaidAt);

/// <summary>A ledger line that is not valid: its 1-based line number, the JSON Pointer of the field in the line, and why.</summary>
public sealed record LedgerLineError(int Line, string Path, string Message);
