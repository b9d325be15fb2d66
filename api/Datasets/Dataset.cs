using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Instruments;

namespace DxyqOpenData.Api.Datasets;

/// <summary>科学数据: a dataset produced with a shared instrument (DCAT-style metadata).</summary>
public class Dataset
{
    public Guid Id { get; set; }
    public required string UnitId { get; set; }
    public Guid? InstrumentId { get; set; }
    public required string ExternalId { get; set; }
    public required string Title { get; set; }
    public string? EnglishTitle { get; set; }
    public string? Description { get; set; }
    public string? Keywords { get; set; }
    public string? SubjectAreas { get; set; }
    /// <summary>SPDX-style licence id, e.g. CC-BY-4.0.</summary>
    public required string License { get; set; }
    public DatasetAccess Access { get; set; }
    public string? Doi { get; set; }
    public string? LandingPage { get; set; }
    public string? MediaType { get; set; }
    public long? ByteSize { get; set; }
    public DateOnly? Issued { get; set; }
    public DateTime UpdatedAt { get; set; }

    public Instrument? Instrument { get; set; }
}
