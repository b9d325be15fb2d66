using System.Runtime.Serialization;

namespace DxyqOpenData.Api.Instruments;

[DataContract]
public enum RunState
{
    [EnumMember(Value = "unknown")] Unknown,
    [EnumMember(Value = "off")] Off,
    [EnumMember(Value = "standby")] Standby,
    [EnumMember(Value = "running")] Running,
}
