using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Instruments;

namespace DxyqOpenData.Api.ServiceRecords;

/// <summary>服务记录: one service delivered. Carries personal data: never public, never federated.</summary>
public sealed class ServiceRecord
{
    public Guid Id { get; set; }
    public required string UnitId { get; set; }
    public Guid InstrumentId { get; set; }
    public Guid? ServiceOfferingId { get; set; }
    /// <summary>The unit's own key for the record.</summary>
    public required string ExternalId { get; set; }
    public DateTime StartedAt { get; set; }
    public DateTime EndedAt { get; set; }
    public double Hours { get; set; }
    public int? Samples { get; set; }
    public string? Content { get; set; }
    public string? Subject { get; set; }
    public required string UserName { get; set; }
    public required string UserOrganization { get; set; }
    public string? UserCreditCode { get; set; }
    /// <summary>GB/T 2260 code of the user's organisation: shows service to the 26 mountain counties.</summary>
    public string? UserRegionCode { get; set; }
    /// <summary>The user is outside the owning unit: counts toward the sharing rate.</summary>
    public bool IsExternal { get; set; }
    /// <summary>Statutory, mandatory or in-duty work: excluded from rewards (rule 10).</summary>
    public bool IsStatutory { get; set; }
    /// <summary>Already rewarded as a contract project (已纳入横向项目奖励): excluded from rewards (rule 10).</summary>
    public bool RewardedAsContract { get; set; }
    public decimal FeeCny { get; set; }
    public PaymentMethod PaymentMethod { get; set; }
    public string? VoucherNo { get; set; }
    public decimal? VoucherAmountCny { get; set; }
    /// <summary>The voucher system split the voucher over several records (one ledger line each); docs/vouchers.md.</summary>
    public bool VoucherSplit { get; set; }
    public bool BookedOnPlatform { get; set; }
    /// <summary>When the booking was made on the platform (evidence for seamless voucher redemption, rule 12).</summary>
    public DateTime? BookedAt { get; set; }
    public string? BookingRef { get; set; }
    /// <summary>When the payment (cash, transfer or voucher deduction) was made.</summary>
    public DateTime? PaidAt { get; set; }
    /// <summary>The amount paid for the service, the voucher deduction included.</summary>
    public decimal? PaidAmountCny { get; set; }
    public string? PaymentRef { get; set; }
    /// <summary>1 to 5.</summary>
    public int? Rating { get; set; }
    public DateTime? RatedAt { get; set; }
    public string? Feedback { get; set; }
    public DateTime UpdatedAt { get; set; }

    public Instrument? Instrument { get; set; }
}
