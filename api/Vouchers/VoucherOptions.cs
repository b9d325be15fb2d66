using System.ComponentModel.DataAnnotations;

namespace DxyqOpenData.Api.Vouchers;

/// <summary>Limits of one posted ledger (<c>Vouchers:*</c> settings).</summary>
public sealed class VoucherOptions
{
    /// <summary>Ledger lines per reconciliation (<c>Vouchers:MaxLines</c>).</summary>
    [Range(1, 10_000_000, ErrorMessage = "Vouchers:MaxLines must be from {1} to {2}.")]
    public int MaxLines { get; set; } = 100_000;

    /// <summary>Request body size in bytes (<c>Vouchers:MaxBytes</c>): 100,000 lines of JSON with every optional field fit.</summary>
    [Range(1024L, long.MaxValue, ErrorMessage = "Vouchers:MaxBytes must be at least {1}.")]
    public long MaxBytes { get; set; } = 96 * 1024 * 1024;
}
