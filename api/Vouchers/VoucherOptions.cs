namespace DxyqOpenData.Api.Vouchers;

/// <summary>Limits of one posted ledger (<c>Vouchers:*</c> settings).</summary>
public sealed class VoucherOptions
{
    /// <summary>Ledger lines per reconciliation (<c>Vouchers:MaxLines</c>).</summary>
    public int MaxLines { get; set; } = 100_000;

    /// <summary>Request body size in bytes (<c>Vouchers:MaxBytes</c>): 100,000 lines of JSON with every optional field fit.</summary>
    public long MaxBytes { get; set; } = 96 * 1024 * 1024;
}
