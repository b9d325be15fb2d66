using System.Runtime.Serialization;

namespace DxyqOpenData.Api.Alerts;

/// <summary>Why the owning unit says an alert's instrument is as it is.</summary>
[DataContract]
public enum AlertExplanationReason
{
    [EnumMember(Value = "repair")] Repair,
    [EnumMember(Value = "transferred")] Transferred,
    [EnumMember(Value = "rented")] Rented,
    /// <summary>Anything else; the text says what.</summary>
    [EnumMember(Value = "other")] Other,
}
