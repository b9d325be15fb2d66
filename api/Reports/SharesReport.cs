namespace DxyqOpenData.Api.Reports;

/// <summary>
/// One measure of the domestic share (rule 14): instruments bought, their value, machine hours; domestic (countryOfOrigin
/// CN) of the total this year and last, the shares (null without a total), and the change in the share.
/// </summary>
public sealed record DomesticShare(string Measure, double Domestic, double Total, double? Share, double PreviousDomestic, double PreviousTotal,
    double? PreviousShare, double? Change, bool? Rising);

/// <summary>A unit's newly bought general-purpose instruments of the year, those in its shared facility, the share and the target (rule 6).</summary>
public sealed record FacilityShare(string UnitId, string UnitName, int GeneralBought, int InSharedFacility, double Share, double Target, bool BelowTarget);

/// <summary>
/// The shares report (rules 6 and 14, docs/reports.md): the period and the same span a year before, the rules and
/// target used, when computed; the domestic shares, each unit's shared-facility share and the units below the target.
/// </summary>
public sealed record SharesReport(int Year, DateOnly From, DateOnly To, DateOnly PreviousFrom, DateOnly PreviousTo, DateTime ComputedAt,
    IReadOnlyList<string> Rules, double SharedFacilityTarget, IReadOnlyList<DomesticShare> Domestic, IReadOnlyList<FacilityShare> Units,
    IReadOnlyList<string> UnitsBelowTarget);
