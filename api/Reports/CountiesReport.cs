namespace DxyqOpenData.Api.Reports;

/// <summary>Service to users of the 26 mountain counties over one period: records, hours, income, voucher-paid services.</summary>
public sealed record CountyFigures(int Records, double Hours, decimal IncomeCny, int VoucherServices, decimal VoucherAmountCny);

/// <summary>Year-on-year growth of each figure: (this − last) ÷ last, null when last year's figure is 0.</summary>
public sealed record CountyGrowth(double? Records, double? Hours, double? IncomeCny, double? VoucherServices, double? VoucherAmountCny);

/// <summary>
/// One line of the counties report: a county and a unit serving it (a detail line), a county over all units (a county
/// line: no unit), or all 26 counties (the total: no county, no unit); this year, last year, the change and the growth.
/// </summary>
public sealed record CountyLine(string? CountyCode, string? CountyName, string? CityName, string? UnitId, string? UnitName,
    CountyFigures Current, CountyFigures Previous, CountyFigures Change, CountyGrowth Growth);

/// <summary>
/// Service to the 26 mountain counties (rule 8, docs/reports.md): the period and the same period a year before, the
/// rules used, when computed; the total, each of the 26 counties, and each county's serving units.
/// </summary>
public sealed record CountiesReport(int Year, DateOnly From, DateOnly To, DateOnly PreviousFrom, DateOnly PreviousTo, DateTime ComputedAt,
    IReadOnlyList<string> Rules, CountyLine Total, IReadOnlyList<CountyLine> Counties, IReadOnlyList<CountyLine> Value);
