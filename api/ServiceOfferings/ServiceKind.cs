using System.Runtime.Serialization;

namespace DxyqOpenData.Api.ServiceOfferings;

[DataContract]
public enum ServiceKind
{
    [EnumMember(Value = "machineTime")] MachineTime,
    [EnumMember(Value = "testing")] Testing,
    [EnumMember(Value = "analysis")] Analysis,
    [EnumMember(Value = "training")] Training,
}
