using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Instruments;

namespace DxyqOpenData.Api.ServiceOfferings;

/// <summary>共享服务: a service offered to others on an instrument, with its fee standard.</summary>
public class ServiceOffering
{
    public Guid Id { get; set; }
    public required string UnitId { get; set; }
    public Guid InstrumentId { get; set; }
    /// <summary>The unit's own key for the offering.</summary>
    public required string ExternalId { get; set; }
    public required string Name { get; set; }
    public ServiceKind Kind { get; set; }
    public string? Description { get; set; }
    public string? Process { get; set; }
    public decimal FeeCny { get; set; }
    public FeeUnit FeeUnit { get; set; }
    /// <summary>Bookable online through the platform (实时预约).</summary>
    public bool Bookable { get; set; }
    public DateTime UpdatedAt { get; set; }

    public Instrument? Instrument { get; set; }
}
