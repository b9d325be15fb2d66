using DxyqOpenData.Api.Push;

namespace DxyqOpenData.Api.Sensors;

internal sealed record SensorDocument(
    string? UnitId, string ExternalId, string? InstrumentInnerId, string Format, string? Vendor, string? Model,
    DateTimeOffset? InstalledAt, DateTimeOffset? CommissionedAt, int? HeartbeatSeconds, string Status) : IPushDocument
{
    public string Key => ExternalId;
}
