using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Api.Sensors;
using DxyqOpenData.Api.ServiceOfferings;

namespace DxyqOpenData.Api.Demo;

/// <summary>How an instrument behaves in the demo: busy, or idle long enough to break a supervision rule.</summary>
internal enum Activity { Active, Idle1Month, Idle3Months, Idle6Months }

/// <summary>An instrument with everything the later generators (records, sessions, alerts) follow.</summary>
internal sealed class InstrumentPlan
{
    public required int Index { get; init; }
    public required Instrument Instrument { get; init; }
    public required InstrumentKind Kind { get; init; }
    public required UnitPlan Unit { get; init; }
    /// <summary>Relative busyness, mean about 1.</summary>
    public double Weight { get; set; }
    public Activity Activity { get; set; }
    /// <summary>When it last ran: records and sessions end here.</summary>
    public DateTime? LastActiveAt { get; set; }
    /// <summary>Running at <see cref="DemoWorld.Now"/> (an open session).</summary>
    public bool Running { get; set; }
    public Sensor? Sensor { get; set; }
    public List<ServiceOffering> Offerings { get; } = [];

    /// <summary>The supervision rules apply: onboarded, in service, not confidential.</summary>
    public bool Supervised => Instrument is { OnboardedAt: not null, IsConfidential: false } && Instrument.Status != InstrumentStatus.Scrapped;

    public bool Shareable => Supervised && Instrument.ShareMode is ShareMode.Open or ShareMode.Conditional;
}
