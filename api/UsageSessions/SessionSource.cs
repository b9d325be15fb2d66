using System.Runtime.Serialization;

namespace DxyqOpenData.Api.UsageSessions;

[DataContract]
public enum SessionSource
{
    [EnumMember(Value = "sensor")] Sensor,
    [EnumMember(Value = "serviceRecord")] ServiceRecord,
}
