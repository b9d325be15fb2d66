namespace DxyqOpenData.Api.Reports;

/// <summary>
/// The evaluation's weights, targets, bands and shares (docs/reports.md), from the data file administrators edit
/// (<c>Reports:EvaluationRulesFile</c>, default <c>Data/Reference/evaluation.json</c>). Read each time a report is
/// computed, so an edit counts from the next report; every report shows the rules it used.
/// </summary>
public sealed record EvaluationRules(
    IReadOnlyDictionary<string, double> Weights, double UsageRateTarget, double SharingRateTarget, double ExcellentShare,
    EvaluationRules.BandScores Bands, double PoorlySharedClassRate, EvaluationRules.Subsidy InsuranceSubsidy)
{
    public sealed record BandScores(double Good, double Pass);

    public sealed record Subsidy(double Excellent, double Good);

    /// <summary>The indicators a weight may name, in the order reports show them.</summary>
    public static readonly string[] Indicators =
    [
        "serviceInfoComplete", "onboardedOnTime", "sensorCoverage", "usageRate", "sharingRate", "externalHours",
        "countyService", "voucherServices", "rating", "alertsAnswered",
    ];

    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "Data", "Reference", "evaluation.json");

    /// <summary>Reads and checks the file; a file that is unreadable or breaks a rule throws naming what is wrong.</summary>
    public static EvaluationRules Load(string path) => RulesFile.Load<EvaluationRules>(path, "evaluation rules", r => r.Problems());

    private IEnumerable<string> Problems()
    {
        if (Weights is null || Bands is null || InsuranceSubsidy is null)
        {
            yield return "weights, bands and insuranceSubsidy are required";
            yield break;
        }
        foreach (var name in Weights.Keys.Where(k => !Indicators.Contains(k)))
        {
            yield return $"weights.{name} is not an indicator ({string.Join(", ", Indicators)})";
        }
        if (Weights.Values.Any(w => w < 0 || !double.IsFinite(w)) || Weights.Values.Sum() <= 0)
        {
            yield return "weights must be 0 or more and not all 0";
        }
        if (UsageRateTarget <= 0 || SharingRateTarget <= 0)
        {
            yield return "usageRateTarget and sharingRateTarget must be more than 0";
        }
        if (ExcellentShare is <= 0 or > 1)
        {
            yield return "excellentShare must be more than 0 and at most 1";
        }
        if (Bands.Pass < 0 || Bands.Good < Bands.Pass || Bands.Good > 100)
        {
            yield return "bands must satisfy 0 <= pass <= good <= 100";
        }
        if (InsuranceSubsidy.Excellent is < 0 or > 1 || InsuranceSubsidy.Good is < 0 or > 1)
        {
            yield return "insuranceSubsidy rates must be between 0 and 1";
        }
    }

    public double Weight(string indicator) => Weights.GetValueOrDefault(indicator);
}
