using System.Runtime.Serialization;

namespace DxyqOpenData.Api.ServiceOfferings;

[DataContract]
public enum FeeUnit
{
    [EnumMember(Value = "hour")] Hour,
    [EnumMember(Value = "sample")] Sample,
    [EnumMember(Value = "session")] Session,
    [EnumMember(Value = "day")] Day,
}
