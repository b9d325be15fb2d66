using System.Runtime.Serialization;

namespace DxyqOpenData.Api.UsageSessions;

[DataContract]
public enum SessionEnd
{
    /// <summary>Still running.</summary>
    [EnumMember(Value = "open")] Open,
    /// <summary>The sensor reported the instrument left the running state.</summary>
    [EnumMember(Value = "stateChange")] StateChange,
    /// <summary>The sensor fell silent past its heartbeat timeout.</summary>
    [EnumMember(Value = "offline")] Offline,
}
