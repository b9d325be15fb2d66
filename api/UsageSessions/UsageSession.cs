using DxyqOpenData.Api.Catalog;

namespace DxyqOpenData.Api.UsageSessions;

/// <summary>A run of an instrument: machine hours, from its sensor or, without one, from service records.</summary>
public sealed class UsageSession
{
    public Guid Id { get; set; }
    public required string UnitId { get; set; }
    public Guid InstrumentId { get; set; }
    public string? SensorId { get; set; }
    public DateTime StartedAt { get; set; }
    public DateTime? EndedAt { get; set; }
    public double Hours { get; set; }
    public SessionSource Source { get; set; }
    public SessionEnd EndReason { get; set; }

    public Instruments.Instrument? Instrument { get; set; }
}
