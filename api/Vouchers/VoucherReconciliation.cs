namespace DxyqOpenData.Api.Vouchers;

/// <summary>
/// One stored reconciliation of a voucher system's ledger against the node's voucher-paid records (docs/vouchers.md):
/// its summary for the list, and the whole report (every item) compressed.
/// </summary>
public sealed class VoucherReconciliation
{
    public Guid Id { get; set; }

    /// <summary>The OAuth client that posted the ledger: a voucher system reads its own reconciliations.</summary>
    public required string ClientId { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>The period's start (inclusive): the node's side is its voucher-paid records that started in the period.</summary>
    public DateTime From { get; set; }

    /// <summary>The period's end (exclusive).</summary>
    public DateTime To { get; set; }

    /// <summary>The <see cref="ReconciliationSummary"/> as JSON.</summary>
    public required string Summary { get; set; }

    /// <summary>The <see cref="ReconciliationReport"/> as gzip-compressed JSON (a 100,000-line report is tens of MB as text).</summary>
    public required byte[] Report { get; set; }
}
