namespace DxyqOpenData.Api.Reports;

/// <summary>The same-class figures of one scope: the planned unit, its city, the province.</summary>
public sealed record ReviewScope(string Scope, string Code, string Name, int Instruments, int Idle, double EffectiveHours, double ExternalHours,
    double RatedHours, double? UsageRate, double? SharingRate);

/// <summary>An open supervision alert of a listed instrument, with the unit's explanation if any.</summary>
public sealed record ReviewAlert(string Kind, DateOnly? Since, string Message, string? ExplanationReason, string? Explanation);

/// <summary>A same-class instrument: where it is (<c>scope</c>: unit, city or province), its rates, whether it is idle.</summary>
public sealed record ReviewInstrument(Guid Id, string Name, string InnerId, string UnitId, string UnitName, string RegionCode, string Scope,
    string InstrumentType, double EffectiveHours, double ExternalHours, double RatedHours, double? UsageRate, double? SharingRate, bool Idle,
    IReadOnlyList<ReviewAlert> Alerts);

/// <summary>Rule 15: the unit was rated poor last year and this general-purpose class was poorly shared there.</summary>
public sealed record ReviewRule15(bool NotToBeBoughtAgain, int EvaluationYear, string? UnitBand, string Reason);

/// <summary>
/// The purchase review's report (rule 3, docs/reports.md): the planned purchase, the period (the last 12 months),
/// the scopes' figures, the same-class instruments of the unit and the city and the idle ones in the province,
/// the rule-15 finding and a conclusion the reviewers can quote.
/// </summary>
public sealed record PurchaseReviewReport(
    string CategoryCode, string UnitId, string UnitName, string RegionCode, string CityCode, string CityName, decimal PriceCny,
    DateOnly From, DateOnly To, DateTime ComputedAt, IReadOnlyList<ReviewScope> Scopes, IReadOnlyList<ReviewInstrument> Instruments,
    ReviewRule15 Rule15, string Conclusion, IReadOnlyList<string> Rules);
