using System.Runtime.Serialization;

namespace DxyqOpenData.Api.Alerts;

[DataContract]
public enum AlertKind
{
    /// <summary>Not powered on for 1 consecutive month: the unit is reminded and must explain (rule 5).</summary>
    [EnumMember(Value = "idle1Month")] Idle1Month,
    /// <summary>3 months: the unit may transfer it internally.</summary>
    [EnumMember(Value = "idle3Months")] Idle3Months,
    /// <summary>6 months: the competent department may transfer it and name the unit.</summary>
    [EnumMember(Value = "idle6Months")] Idle6Months,
    /// <summary>Not onboarded within 30 working days of acceptance (rule 2).</summary>
    [EnumMember(Value = "onboardingOverdue")] OnboardingOverdue,
    /// <summary>No sensor within 30 working days of onboarding (rule 2).</summary>
    [EnumMember(Value = "sensorOverdue")] SensorOverdue,
    /// <summary>Service mode, content, process and fee not complete within 3 months of onboarding (rule 2).</summary>
    [EnumMember(Value = "serviceInfoOverdue")] ServiceInfoOverdue,
    /// <summary>Onboarded, but after its deadline: a breach on record even though it is onboarded now (rule 2).</summary>
    [EnumMember(Value = "onboardedLate")] OnboardedLate,
    /// <summary>A linked active sensor silent past Supervision:SensorOfflineAfter.</summary>
    [EnumMember(Value = "sensorOffline")] SensorOffline,
}
