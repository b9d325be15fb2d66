using DxyqOpenData.Api.Catalog;

namespace DxyqOpenData.Api.Alerts;

/// <summary>A supervision alert raised against an instrument (rules 2 and 5).</summary>
public sealed class Alert
{
    public Guid Id { get; set; }
    public required string UnitId { get; set; }
    public Guid InstrumentId { get; set; }
    public AlertKind Kind { get; set; }
    public AlertSeverity Severity { get; set; }
    public required string Message { get; set; }
    public DateTime RaisedAt { get; set; }
    /// <summary>The date the rule was measured against (the missed deadline, or the last power-on).</summary>
    public DateOnly? ReferenceDate { get; set; }
    public DateTime? ResolvedAt { get; set; }
    public string? Explanation { get; set; }
}
