namespace DxyqOpenData.Api.Reports;

/// <summary>One unit's line of the yearly evaluation: its facts, its indicators (0..1), score, rank and band.</summary>
public sealed record UnitEvaluation(
    int Rank, string UnitId, string Name, string UnitType, bool Provincial, int Instruments, int ServiceInfoComplete,
    int OnboardedInYear, int LateOnboardings, int WithSensor, double EffectiveHours, double ExternalHours, double RatedHours,
    double? UsageRate, double? SharingRate, int CountyRecords, double CountyHours, int VoucherServices, int RatedServices,
    double? AverageRating, int OpenAlerts, int ExplainedAlerts, IReadOnlyDictionary<string, double> Indicators, double Score,
    string Band, double? InsuranceSubsidyRate, IReadOnlyList<string> NotToBeBoughtAgain);

/// <summary>
/// The yearly evaluation (docs/reports.md): the period, the rules used, how many units were evaluated and how many
/// could be excellent, the score at the cut, and the units best first.
/// </summary>
public sealed record EvaluationReport(
    int Year, DateOnly From, DateOnly To, DateTime ComputedAt, int Evaluated, int ExcellentAllowed, int Excellent, string TieRule,
    EvaluationRules Rules, IReadOnlyList<UnitEvaluation> Value)
{
    public const string TieRuleText =
        "Scores are rounded to 2 places. At most floor(excellentShare × evaluated) units are excellent, best score first; " +
        "when the units sharing the score at the cut do not all fit, none of them is excellent (never more than the share).";
}
