using DxyqOpenData.Api.Push;

namespace DxyqOpenData.Api.Datasets;

internal sealed record DatasetDocument(
    string? UnitId, string ExternalId, string? InstrumentInnerId, string Title, string? EnglishTitle, string? Description,
    string? Keywords, string? SubjectAreas, string License, string Access, string? Doi, string? LandingPage, string? MediaType,
    long? ByteSize, DateOnly? Issued) : IPushDocument
{
    public string Key => ExternalId;
}
