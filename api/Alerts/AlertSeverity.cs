using System.Runtime.Serialization;

namespace DxyqOpenData.Api.Alerts;

[DataContract]
public enum AlertSeverity
{
    [EnumMember(Value = "notice")] Notice,
    [EnumMember(Value = "warning")] Warning,
    [EnumMember(Value = "critical")] Critical,
}
