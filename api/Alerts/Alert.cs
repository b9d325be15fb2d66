using DxyqOpenData.Api.Catalog;

namespace DxyqOpenData.Api.Alerts;

/// <summary>
/// A supervision alert raised against an instrument (rules 2 and 5) by the sweep, and resolved by it when the condition
/// clears. At most one open alert per instrument and rule (a unique index): a new breach after a resolution is a new alert.
/// </summary>
public sealed class Alert
{
    public Guid Id { get; set; }
    public required string UnitId { get; set; }
    public Guid InstrumentId { get; set; }
    public AlertKind Kind { get; set; }
    public AlertSeverity Severity { get; set; }
    public required string Message { get; set; }
    public DateTime RaisedAt { get; set; }
    /// <summary>The Beijing date the breach began (the day after the deadline, the day the idle month was complete, …).</summary>
    public DateOnly? Since { get; set; }
    /// <summary>The date the rule was measured against (the missed deadline, or the last power-on).</summary>
    public DateOnly? ReferenceDate { get; set; }
    /// <summary>What clears the alert, in words.</summary>
    public string? ClearedBy { get; set; }
    public DateTime? ResolvedAt { get; set; }
    /// <summary>Why the sweep resolved it.</summary>
    public string? ResolutionReason { get; set; }
    /// <summary>The owning unit's explanation: repair, transferred, rented or other (with <see cref="Explanation"/>).</summary>
    public AlertExplanationReason? ExplanationReason { get; set; }
    public string? Explanation { get; set; }
    public DateTime? ExplainedAt { get; set; }
}
