namespace DxyqOpenData.Api.Vouchers;

/// <summary>The evidence of the on-platform flow a record carries, as far as seamless redemption looks at it.</summary>
internal sealed record FlowEvidence(
    bool BookedOnPlatform, DateTime? BookedAt, string? BookingRef, DateTime StartedAt, DateTime EndedAt,
    DateTime? PaidAt, decimal? PaidAmountCny, decimal? VoucherAmountCny, string? PaymentRef, decimal FeeCny,
    DateTime? RatedAt, int? Rating);

/// <summary>What keeps a record from seamless redemption: the steps without evidence and the evidence that disagrees.</summary>
internal sealed record SeamlessVerdict(IReadOnlyList<string> MissingSteps, IReadOnlyList<string> Inconsistencies)
{
    public bool Seamless => MissingSteps.Count == 0 && Inconsistencies.Count == 0;
}

/// <summary>
/// 无感直兑 (domain.md rule 12): a voucher payment is redeemed without paperwork when booking, use, payment by voucher
/// deduction and rating all happened on the platform with online records, and they agree: paid after use, the
/// deduction at most the fee. docs/vouchers.md, "Seamless redemption".
/// </summary>
internal static class SeamlessRedemption
{
    public const string Booked = "booked";
    public const string Used = "used";
    public const string Paid = "paid";
    public const string Rated = "rated";
    public const string PaidBeforeUse = "paidBeforeUse";
    public const string VoucherOverFee = "voucherOverFee";

    public static SeamlessVerdict Judge(FlowEvidence e)
    {
        var missing = new List<string>(4);
        if (!e.BookedOnPlatform || e.BookedAt is null || e.BookingRef is null)
        {
            missing.Add(Booked);
        }
        if (e.EndedAt < e.StartedAt)
        {
            missing.Add(Used);
        }
        if (e.PaidAt is null || e.PaidAmountCny is null || e.VoucherAmountCny is null || e.PaymentRef is null)
        {
            missing.Add(Paid);
        }
        if (e.RatedAt is null || e.Rating is null)
        {
            missing.Add(Rated);
        }
        var inconsistent = new List<string>(2);
        if (e.PaidAt is { } paid && paid < e.EndedAt)
        {
            inconsistent.Add(PaidBeforeUse);
        }
        if (e.VoucherAmountCny is { } voucher && voucher > e.FeeCny)
        {
            inconsistent.Add(VoucherOverFee);
        }
        return new SeamlessVerdict(missing, inconsistent);
    }
}
