using System.Runtime.Serialization;

namespace DxyqOpenData.Api.Instruments;

[DataContract]
public enum ShareMode
{
    /// <summary>对外开放共享.</summary>
    [EnumMember(Value = "open")] Open,
    /// <summary>有条件开放 (e.g. customs approval, training required).</summary>
    [EnumMember(Value = "conditional")] Conditional,
    /// <summary>仅限单位内部使用.</summary>
    [EnumMember(Value = "internalOnly")] InternalOnly,
    [EnumMember(Value = "notShared")] NotShared,
}
