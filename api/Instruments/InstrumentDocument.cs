using DxyqOpenData.Api.Push;

namespace DxyqOpenData.Api.Instruments;

internal sealed record InstrumentDocument(
    string? UnitId, string InnerId, string Name, string? EnglishName, string? Model, string? Manufacturer, string? CountryOfOrigin,
    string CategoryCode, string InstrumentType, decimal PriceCny, string FundingSource, bool? IsConfidential, bool? InSharedFacility,
    DateOnly? PurchaseDate, DateOnly AcceptanceDate, DateOnly? ScrappedOn, string Status, string ShareMode, string RegionCode,
    string? Address, double? Latitude, double? Longitude, string? TechnicalSpecs, string? MainFunctions, string? SubjectAreas,
    string? ServiceContent, string? ServiceRequirements, string? FeeStandard, string? ServiceUrl, string? ContactName,
    string? ContactPhone, string? ContactEmail, string? CustomsDeclarationNo, DateOnly? ImportDate, string? HsCode,
    DateOnly? CustomsSupervisionEndsOn, double? RatedHoursPerYear) : IPushDocument
{
    public string Key => InnerId;
}
