using System.Runtime.Serialization;

namespace DxyqOpenData.Api.Sensors;

[DataContract]
public enum SensorStatus
{
    [EnumMember(Value = "active")] Active,
    [EnumMember(Value = "inactive")] Inactive,
    /// <summary>Recovered after the instrument was scrapped (rule 2).</summary>
    [EnumMember(Value = "recovered")] Recovered,
}
