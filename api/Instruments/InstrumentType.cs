using System.Runtime.Serialization;

namespace DxyqOpenData.Api.Instruments;

/// <summary>通用 / 专用: general-purpose instruments count toward the 65% shared-facility rule.</summary>
[DataContract]
public enum InstrumentType
{
    [EnumMember(Value = "general")] General,
    [EnumMember(Value = "special")] Special,
}
