using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.ServiceRecords;

namespace DxyqOpenData.Api.Vouchers;

/// <summary>What reconciliation needs of a service record: its keys, voucher, amount in fen and seamless verdict.</summary>
internal sealed record NodeRecord(Guid Id, string UnitId, string ExternalId, PaymentMethod PaymentMethod, string? VoucherNo, long VoucherFen,
    bool InPeriod, SeamlessVerdict Verdict);
