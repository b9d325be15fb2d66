using DxyqOpenData.Api.Push;

namespace DxyqOpenData.Api.ServiceRecords;

internal sealed record ServiceRecordDocument(
    string? UnitId, string ExternalId, string InstrumentInnerId, string? ServiceOfferingExternalId, DateTimeOffset StartedAt,
    DateTimeOffset EndedAt, double Hours, int? Samples, string? Content, string? Subject, string UserName, string UserOrganization,
    string? UserCreditCode, string? UserRegionCode, bool IsExternal, bool? IsStatutory, decimal FeeCny, string PaymentMethod,
    string? VoucherNo, decimal? VoucherAmountCny, bool? BookedOnPlatform, int? Rating, string? Feedback,
    bool? VoucherSplit, DateTimeOffset? BookedAt, string? BookingRef, DateTimeOffset? PaidAt, decimal? PaidAmountCny, string? PaymentRef,
    DateTimeOffset? RatedAt, bool? RewardedAsContract) : IPushDocument
{
    public string Key => ExternalId;
}
