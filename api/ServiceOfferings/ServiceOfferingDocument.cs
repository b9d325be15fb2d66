using DxyqOpenData.Api.Push;

namespace DxyqOpenData.Api.ServiceOfferings;

internal sealed record ServiceOfferingDocument(
    string? UnitId, string ExternalId, string InstrumentInnerId, string Name, string Kind, string? Description, string? Process,
    decimal FeeCny, string FeeUnit, bool? Bookable) : IPushDocument
{
    public string Key => ExternalId;
}
