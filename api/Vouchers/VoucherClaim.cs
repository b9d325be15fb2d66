namespace DxyqOpenData.Api.Vouchers;

/// <summary>
/// One voucher-paid service record as a voucher system claims it (docs/vouchers.md): the voucher, the enterprise that
/// used it, where and for how much, and the evidence of each step of the on-platform flow. No personal data: no user
/// name, phone or e-mail.
/// </summary>
public sealed record VoucherClaim(
    Guid RecordId,
    string UnitId,
    string? UnitName,
    string ExternalId,
    Guid InstrumentId,
    string? InstrumentName,
    string VoucherNo,
    bool VoucherSplit,
    string? EnterpriseCreditCode,
    string EnterpriseName,
    string? EnterpriseRegionCode,
    decimal FeeCny,
    decimal VoucherAmountCny,
    bool BookedOnPlatform,
    DateTime? BookedAt,
    string? BookingRef,
    DateTime StartedAt,
    DateTime EndedAt,
    double Hours,
    DateTime? PaidAt,
    decimal? PaidAmountCny,
    string? PaymentRef,
    DateTime? RatedAt,
    int? Rating,
    bool Seamless,
    IReadOnlyList<string> MissingSteps,
    IReadOnlyList<string> Inconsistencies);

/// <summary>A page of claims; <see cref="NextLink"/> is absent on the last page.</summary>
public sealed record VoucherClaimPage(DateTime From, DateTime To, IReadOnlyList<VoucherClaim> Value, string? NextLink);
