namespace DxyqOpenData.Api.Reports;

/// <summary>Income the rewards leave out, by reason; a record is counted under the first reason that applies, in this order.</summary>
public sealed record ExcludedIncome(decimal InternalCny, decimal StatutoryCny, decimal RewardedAsContractCny);

/// <summary>
/// One instrument's reward: its eligible income, the income left out by reason, and min(share × eligible income rounded
/// down to the fen, the per-instrument cap).
/// </summary>
public sealed record InstrumentReward(
    string UnitId, string UnitName, Guid InstrumentId, string InnerId, string Name, int Records, int EligibleRecords, decimal EligibleIncomeCny, ExcludedIncome ExcludedIncome,
    decimal ShareOfIncomeCny, decimal RewardCny, bool Capped);

/// <summary>One unit's rewards: its instruments' sum before the unit cap, the cap, the amount cut, and the reward.</summary>
public sealed record UnitRewards(
    string UnitId, string Name, int Instruments, decimal EligibleIncomeCny, ExcludedIncome ExcludedIncome, decimal RewardBeforeCapCny,
    decimal CapCny, decimal CutCny, decimal RewardCny);

/// <summary>
/// The rewards for a year (docs/reports.md): the period, the rules used, how money is rounded, the units (<c>value</c>)
/// and their instruments (<c>instruments</c>, each naming its unit), both flat so each is one table (and the CSV's rows).
/// </summary>
public sealed record RewardsReport(
    int Year, DateOnly From, DateOnly To, DateTime ComputedAt, RewardRules Rules, string Eligibility, string Rounding, decimal RewardCny,
    decimal CutCny, IReadOnlyList<UnitRewards> Value, IReadOnlyList<InstrumentReward> Instruments)
{
    public const string EligibilityText =
        "Service records started in the year (Beijing time) and ended by the time computed, fee income (feeCny) of users outside the unit " +
        "(isExternal); left out, each under the first that applies: internal users, statutory, mandatory or in-duty work (isStatutory), " +
        "services already rewarded as contract projects (rewardedAsContract).";

    public const string RoundingText =
        "Amounts are exact in fen. An instrument's share of income is rounded down to the fen (never more than the share); the caps apply after it.";
}
