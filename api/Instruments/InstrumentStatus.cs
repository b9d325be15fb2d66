using System.Runtime.Serialization;

namespace DxyqOpenData.Api.Instruments;

[DataContract]
public enum InstrumentStatus
{
    [EnumMember(Value = "normal")] Normal,
    [EnumMember(Value = "underRepair")] UnderRepair,
    [EnumMember(Value = "idle")] Idle,
    [EnumMember(Value = "scrapped")] Scrapped,
}
