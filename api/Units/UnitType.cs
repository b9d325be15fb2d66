using System.Runtime.Serialization;

namespace DxyqOpenData.Api.Units;


[DataContract]
public enum UnitType
{
    [EnumMember(Value = "university")] University,
    [EnumMember(Value = "institute")] Institute,
    [EnumMember(Value = "hospital")] Hospital,
    [EnumMember(Value = "enterprise")] Enterprise,
    [EnumMember(Value = "other")] Other,
}
