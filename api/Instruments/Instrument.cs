using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Sensors;
using DxyqOpenData.Api.ServiceOfferings;
using DxyqOpenData.Api.Units;

namespace DxyqOpenData.Api.Instruments;

/// <summary>大型科研仪器: a research instrument with a unit price of at least 300,000 CNY.</summary>
public class Instrument
{
    public const decimal MinimumPriceCny = 300_000m;
    /// <summary>The query filter that hides confidential instruments.</summary>
    public const string PublishedFilter = "published";

    public Guid Id { get; set; }
    public required string UnitId { get; set; }
    /// <summary>The unit's own asset number; with <see cref="UnitId"/> the key pushes upsert by.</summary>
    public required string InnerId { get; set; }
    public required string Name { get; set; }
    public string? EnglishName { get; set; }
    public string? Model { get; set; }
    public string? Manufacturer { get; set; }
    /// <summary>ISO 3166-1 alpha-2 country of origin.</summary>
    public string? CountryOfOrigin { get; set; }
    public bool IsDomestic { get; set; }
    /// <summary>6-digit instrument classification code, e.g. 030122.</summary>
    public required string CategoryCode { get; set; }
    public InstrumentType InstrumentType { get; set; }
    /// <summary>Unit price in CNY, two decimals; stored as integer fen.</summary>
    public decimal PriceCny { get; set; }
    public FundingSource FundingSource { get; set; }
    /// <summary>保密: registered (报备) only, never published.</summary>
    public bool IsConfidential { get; set; }
    /// <summary>In the unit's shared facility (集约化平台).</summary>
    public bool InSharedFacility { get; set; }

    public DateOnly? PurchaseDate { get; set; }
    /// <summary>Installation acceptance (验收) — the onboarding clock starts here.</summary>
    public DateOnly AcceptanceDate { get; set; }
    /// <summary>Acceptance + 30 working days.</summary>
    public DateOnly OnboardingDueDate { get; set; }
    /// <summary>The onboarding deadline (or the lateness counted from it) counted days of a year the calendar does not hold.</summary>
    public bool OnboardingDueProvisional { get; set; }
    /// <summary>The first time the node received the instrument (push, import): 入网.</summary>
    public DateTime? OnboardedAt { get; set; }
    /// <summary>Working days from the onboarding deadline to the (Beijing) date of onboarding; 0 when on time, null until onboarded.</summary>
    public int? OnboardingLateDays { get; set; }
    /// <summary>Onboarding + 30 working days.</summary>
    public DateOnly? SensorDueDate { get; set; }
    /// <summary>The sensor deadline counted days of a year the calendar does not hold.</summary>
    public bool SensorDueProvisional { get; set; }
    /// <summary>Onboarding + 3 months.</summary>
    public DateOnly? ServiceInfoDueDate { get; set; }
    public DateOnly? ScrappedOn { get; set; }

    public InstrumentStatus Status { get; set; }
    public ShareMode ShareMode { get; set; }
    /// <summary>GB/T 2260 county-level code where the instrument stands.</summary>
    public required string RegionCode { get; set; }
    public string? Address { get; set; }
    public double? Latitude { get; set; }
    public double? Longitude { get; set; }

    public string? SensorId { get; set; }
    public DateTime? SensorInstalledAt { get; set; }
    /// <summary>Set by the supervision sweep when service mode, content, process and fee standard are first complete.</summary>
    public DateTime? ServiceInfoCompletedAt { get; set; }
    /// <summary>Rated machine hours a year for the usage rate; null means the node's default (1,600 h).</summary>
    public double? RatedHoursPerYear { get; set; }

    public string? TechnicalSpecs { get; set; }
    public string? MainFunctions { get; set; }
    /// <summary>Subject areas (GB/T 13745 names), separated by '；'.</summary>
    public string? SubjectAreas { get; set; }
    public string? ServiceContent { get; set; }
    public string? ServiceRequirements { get; set; }
    public string? FeeStandard { get; set; }
    public string? ServiceUrl { get; set; }

    public string? ContactName { get; set; }
    /// <summary>Authenticated readers only.</summary>
    public string? ContactPhone { get; set; }
    /// <summary>Authenticated readers only.</summary>
    public string? ContactEmail { get; set; }

    // Customs supervision of duty-free imports (rule 11).
    public string? CustomsDeclarationNo { get; set; }
    public DateOnly? ImportDate { get; set; }
    public string? HsCode { get; set; }
    public DateOnly? CustomsSupervisionEndsOn { get; set; }

    public RunState RunState { get; set; }
    public DateTime? LastSeenAt { get; set; }
    /// <summary>Last change; also the instrument's ETag.</summary>
    public DateTime UpdatedAt { get; set; }

    public Unit? Unit { get; set; }
    public Sensor? Sensor { get; set; }
    public List<ServiceOffering> Offerings { get; set; } = [];
}
