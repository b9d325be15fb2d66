using System.Runtime.Serialization;

namespace DxyqOpenData.Api.ServiceRecords;

[DataContract]
public enum PaymentMethod
{
    [EnumMember(Value = "cash")] Cash,
    [EnumMember(Value = "transfer")] Transfer,
    [EnumMember(Value = "voucher")] Voucher,
}
