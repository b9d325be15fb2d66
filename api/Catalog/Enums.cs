using System.Runtime.Serialization;

namespace DxyqOpenData.Api.Catalog;

// Enumerations of the catalog. The wire names (camelCase) are fixed by the shared schemas; the CLR names are
// C# style. Each is stored in the database by its CLR name so the columns read well in SQL.

[DataContract]
public enum UnitType
{
    [EnumMember(Value = "university")] University,
    [EnumMember(Value = "institute")] Institute,
    [EnumMember(Value = "hospital")] Hospital,
    [EnumMember(Value = "enterprise")] Enterprise,
    [EnumMember(Value = "other")] Other,
}

/// <summary>通用 / 专用: general-purpose instruments count toward the 65% shared-facility rule.</summary>
[DataContract]
public enum InstrumentType
{
    [EnumMember(Value = "general")] General,
    [EnumMember(Value = "special")] Special,
}

[DataContract]
public enum FundingSource
{
    /// <summary>财政资金: public money; joining the platform is mandatory.</summary>
    [EnumMember(Value = "fiscal")] Fiscal,
    /// <summary>自筹资金: the unit's own money; joining is voluntary.</summary>
    [EnumMember(Value = "selfRaised")] SelfRaised,
    [EnumMember(Value = "mixed")] Mixed,
}

[DataContract]
public enum InstrumentStatus
{
    [EnumMember(Value = "normal")] Normal,
    [EnumMember(Value = "underRepair")] UnderRepair,
    [EnumMember(Value = "idle")] Idle,
    [EnumMember(Value = "scrapped")] Scrapped,
}

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

[DataContract]
public enum RunState
{
    [EnumMember(Value = "unknown")] Unknown,
    [EnumMember(Value = "off")] Off,
    [EnumMember(Value = "standby")] Standby,
    [EnumMember(Value = "running")] Running,
}

[DataContract]
public enum ServiceKind
{
    [EnumMember(Value = "machineTime")] MachineTime,
    [EnumMember(Value = "testing")] Testing,
    [EnumMember(Value = "analysis")] Analysis,
    [EnumMember(Value = "training")] Training,
}

[DataContract]
public enum FeeUnit
{
    [EnumMember(Value = "hour")] Hour,
    [EnumMember(Value = "sample")] Sample,
    [EnumMember(Value = "session")] Session,
    [EnumMember(Value = "day")] Day,
}

[DataContract]
public enum PaymentMethod
{
    [EnumMember(Value = "cash")] Cash,
    [EnumMember(Value = "transfer")] Transfer,
    [EnumMember(Value = "voucher")] Voucher,
}

[DataContract]
public enum DatasetAccess
{
    [EnumMember(Value = "open")] Open,
    [EnumMember(Value = "onRequest")] OnRequest,
    [EnumMember(Value = "restricted")] Restricted,
}

[DataContract]
public enum SensorStatus
{
    [EnumMember(Value = "active")] Active,
    [EnumMember(Value = "inactive")] Inactive,
    /// <summary>Recovered after the instrument was scrapped (rule 2).</summary>
    [EnumMember(Value = "recovered")] Recovered,
}

[DataContract]
public enum SessionSource
{
    [EnumMember(Value = "sensor")] Sensor,
    [EnumMember(Value = "serviceRecord")] ServiceRecord,
}

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

[DataContract]
public enum AlertSeverity
{
    [EnumMember(Value = "notice")] Notice,
    [EnumMember(Value = "warning")] Warning,
    [EnumMember(Value = "critical")] Critical,
}
