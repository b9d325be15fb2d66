using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Instruments;

namespace DxyqOpenData.Api.Supervision;

/// <summary>What the supervision rules read of one instrument, loaded for all of them in a few grouped queries.</summary>
public sealed record InstrumentFacts(
    Guid Id, string UnitId, string UnitName, string Name, string InnerId, InstrumentStatus Status, bool IsConfidential, ShareMode ShareMode,
    DateOnly? ScrappedOn, DateOnly OnboardingDueDate, DateTime? OnboardedAt, int? OnboardingLateDays, DateOnly? SensorDueDate,
    DateOnly? ServiceInfoDueDate, DateTime? ServiceInfoCompletedAt, string? SensorId, DateTime? SensorInstalledAt)
{
    /// <summary>The linked sensor is active (not inactive or recovered).</summary>
    public bool HasActiveSensor { get; init; }

    /// <summary>When the linked active sensor was last heard from.</summary>
    public DateTime? SensorLastSeenAt { get; init; }

    /// <summary>The start of the latest run: from sensor sessions, else from service records (rule "Rates").</summary>
    public DateTime? LastPowerOn { get; init; }
}
