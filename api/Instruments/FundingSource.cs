using System.Runtime.Serialization;

namespace DxyqOpenData.Api.Instruments;

[DataContract]
public enum FundingSource
{
    /// <summary>财政资金: public money; joining the platform is mandatory.</summary>
    [EnumMember(Value = "fiscal")] Fiscal,
    /// <summary>自筹资金: the unit's own money; joining is voluntary.</summary>
    [EnumMember(Value = "selfRaised")] SelfRaised,
    [EnumMember(Value = "mixed")] Mixed,
}
