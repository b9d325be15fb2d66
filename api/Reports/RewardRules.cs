namespace DxyqOpenData.Api.Reports;

/// <summary>
/// The rewards' share and caps (rule 10, docs/reports.md), from the data file administrators edit
/// (<c>Reports:RewardRulesFile</c>, default <c>Data/Reference/rewards.json</c>). Read each time a report is computed;
/// every report shows the rules it used.
/// </summary>
public sealed record RewardRules(decimal IncomeShare, decimal PerInstrumentCapCny, decimal PerUnitCapCny)
{
    public const string FileName = "rewards.json";

    /// <summary>The share in basis points: the database multiplies integer fen by it and divides by 10,000, exactly.</summary>
    internal long IncomeShareBasisPoints => (long)(IncomeShare * 10_000m);

    /// <summary>Reads and checks the file; a file that is unreadable or breaks a rule throws naming what is wrong.</summary>
    public static RewardRules Load(string path) => RulesFile.Load<RewardRules>(path, "reward rules", r => r.Problems());

    private IEnumerable<string> Problems()
    {
        if (IncomeShare is <= 0 or > 1 || decimal.Round(IncomeShare, 4) != IncomeShare)
        {
            yield return "incomeShare must be more than 0 and at most 1, with at most 4 decimal places";
        }
        if (PerInstrumentCapCny <= 0 || PerUnitCapCny <= 0 || decimal.Round(PerInstrumentCapCny, 2) != PerInstrumentCapCny
            || decimal.Round(PerUnitCapCny, 2) != PerUnitCapCny || PerUnitCapCny > 1_000_000_000_000m)
        {
            yield return "perInstrumentCapCny and perUnitCapCny must be amounts in CNY more than 0 with at most 2 decimal places";
        }
    }
}
