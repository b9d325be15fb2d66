using DxyqOpenData.Api.ServiceRecords;

namespace DxyqOpenData.Api.Vouchers;

/// <summary>A service record's evidence of the on-platform flow, for <see cref="SeamlessRedemption"/>.</summary>
internal static class Evidence
{
    public static FlowEvidence Of(ServiceRecord r) => new(
        r.BookedOnPlatform, r.BookedAt, r.BookingRef, r.StartedAt, r.EndedAt, r.PaidAt, r.PaidAmountCny, r.VoucherAmountCny,
        r.PaymentRef, r.FeeCny, r.RatedAt, r.Rating);
}
