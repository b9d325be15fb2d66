namespace DxyqOpenData.Api.Push;

// The push documents as the shared schemas (schemas/*/v1.json) define them. They are read only after the item passed
// its schema, so the shapes, enumerations and bounds hold; the push API checks what a schema cannot say.

/// <summary>What every push document has: the optional unit and the unit's own key.</summary>
internal interface IPushDocument
{
    string? UnitId { get; }

    /// <summary>The key pushes upsert by (innerId, externalId, the sensor's device id).</summary>
    string Key { get; }
}

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

internal sealed record ServiceOfferingDocument(
    string? UnitId, string ExternalId, string InstrumentInnerId, string Name, string Kind, string? Description, string? Process,
    decimal FeeCny, string FeeUnit, bool? Bookable) : IPushDocument
{
    public string Key => ExternalId;
}

internal sealed record ServiceRecordDocument(
    string? UnitId, string ExternalId, string InstrumentInnerId, string? ServiceOfferingExternalId, DateTimeOffset StartedAt,
    DateTimeOffset EndedAt, double Hours, int? Samples, string? Content, string? Subject, string UserName, string UserOrganization,
    string? UserCreditCode, string? UserRegionCode, bool IsExternal, bool? IsStatutory, decimal FeeCny, string PaymentMethod,
    string? VoucherNo, decimal? VoucherAmountCny, bool? BookedOnPlatform, int? Rating, string? Feedback,
    bool? VoucherSplit, DateTimeOffset? BookedAt, string? BookingRef, DateTimeOffset? PaidAt, decimal? PaidAmountCny, string? PaymentRef,
    DateTimeOffset? RatedAt) : IPushDocument
{
    public string Key => ExternalId;
}

internal sealed record DatasetDocument(
    string? UnitId, string ExternalId, string? InstrumentInnerId, string Title, string? EnglishTitle, string? Description,
    string? Keywords, string? SubjectAreas, string License, string Access, string? Doi, string? LandingPage, string? MediaType,
    long? ByteSize, DateOnly? Issued) : IPushDocument
{
    public string Key => ExternalId;
}

internal sealed record SensorDocument(
    string? UnitId, string ExternalId, string? InstrumentInnerId, string Format, string? Vendor, string? Model,
    DateTimeOffset? InstalledAt, DateTimeOffset? CommissionedAt, int? HeartbeatSeconds, string Status) : IPushDocument
{
    public string Key => ExternalId;
}
