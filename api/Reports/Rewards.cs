using System.Data;
using System.Data.Common;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Supervision;

namespace DxyqOpenData.Api.Reports;

/// <summary>
/// The rewards for instrument-sharing services (rule 10, docs/reports.md), computed by the database in one statement on
/// integer fen: per instrument its eligible and excluded income, min(share × eligible rounded down, instrument cap); per
/// unit the sum of those and min(sum, unit cap). Here the rows are only put into shape.
/// </summary>
public static class Rewards
{
    private sealed record Row(InstrumentReward Instrument, long[] UnitFen);

    public static async Task<RewardsReport> RunAsync(CatalogDbContext db, RewardRules rules, int year, DateOnly today, DateTime now,
        CancellationToken cancellationToken)
    {
        var from = new DateOnly(year, 1, 1);
        var to = new DateOnly(year, 12, 31) < today ? new DateOnly(year, 12, 31) : today;
        var rows = await ReportQuery.RunAsync(db, Sql(SqlDialect.For(db)),
        [
            ("from", BeijingTime.StartOf(from), null),
            ("to", BeijingTime.StartOf(to.AddDays(1)), null),
            ("now", DateTime.SpecifyKind(now, DateTimeKind.Utc), null),
            ("share", rules.IncomeShareBasisPoints, DbType.Int64),
            ("instrumentCap", Money.ToFen(rules.PerInstrumentCapCny), DbType.Int64),
            ("unitCap", Money.ToFen(rules.PerUnitCapCny), DbType.Int64),
        ], Read, cancellationToken);
        var units = rows.GroupBy(r => r.Instrument.UnitId).Select(g =>
        {
            var (first, f) = (g.First().Instrument, g.First().UnitFen);
            return new UnitRewards(g.Key, first.UnitName, g.Count(), Cny(f[0]), new ExcludedIncome(Cny(f[1]), Cny(f[2]), Cny(f[3])), Cny(f[4]),
                Cny(Money.ToFen(rules.PerUnitCapCny)), Cny(f[4] - f[5]), Cny(f[5]));
        }).ToList();
        return new RewardsReport(year, from, to, now, rules, RewardsReport.EligibilityText, RewardsReport.RoundingText,
            units.Sum(u => u.RewardCny), units.Sum(u => u.CutCny), units, rows.Select(r => r.Instrument).ToList());
    }

    private static Row Read(DbDataReader reader)
    {
        long Fen(int i) => reader.IsDBNull(i) ? 0 : Convert.ToInt64(reader.GetValue(i));
        var instrument = new InstrumentReward(reader.GetString(0).Trim(), reader.GetString(1), Guid.Parse(reader.GetValue(2).ToString()!), reader.GetString(3), reader.GetString(4),
            (int)Fen(5), (int)Fen(6), Cny(Fen(7)), new ExcludedIncome(Cny(Fen(8)), Cny(Fen(9)), Cny(Fen(10))), Cny(Fen(11)), Cny(Fen(12)),
            Fen(12) < Fen(11));
        return new Row(instrument, [Fen(13), Fen(14), Fen(15), Fen(16), Fen(17), Fen(18)]);
    }

    private static decimal Cny(long fen) => Money.FromFen(fen);

    /// <summary>The statement; its only inputs are parameters. A record counts under the first reason that applies.</summary>
    internal static string Sql(SqlDialect d) => $"""
        WITH rec AS (
            SELECT r.instrument_id, r.fee_fen,
                   CASE WHEN r.is_external <> {d.True} THEN 1 WHEN r.is_statutory = {d.True} THEN 2
                        WHEN r.rewarded_as_contract = {d.True} THEN 3 ELSE 0 END AS reason
            FROM service_records r
            WHERE r.started_at >= @from AND r.started_at < @to AND r.ended_at <= @now
        ),
        inst AS (
            SELECT i.unit_id, i.id, i.inner_id, i.name, COUNT(*) AS records,
                   SUM(CASE WHEN rec.reason = 0 THEN 1 ELSE 0 END) AS eligible_records,
                   SUM(CASE WHEN rec.reason = 0 THEN rec.fee_fen ELSE 0 END) AS eligible,
                   SUM(CASE WHEN rec.reason = 1 THEN rec.fee_fen ELSE 0 END) AS internal_fen,
                   SUM(CASE WHEN rec.reason = 2 THEN rec.fee_fen ELSE 0 END) AS statutory_fen,
                   SUM(CASE WHEN rec.reason = 3 THEN rec.fee_fen ELSE 0 END) AS contract_fen
            FROM rec
            JOIN instruments i ON i.id = rec.instrument_id
            GROUP BY i.unit_id, i.id, i.inner_id, i.name
        ),
        shared AS (
            SELECT inst.*, {d.Floor("inst.eligible * @share / 10000")} AS share_fen
            FROM inst
        ),
        rewarded AS (
            SELECT shared.*, {d.Least}(shared.share_fen, @instrumentCap) AS reward_fen
            FROM shared
        )
        SELECT r.unit_id, u.name, {d.Text("r.id")}, r.inner_id, r.name, r.records, r.eligible_records, r.eligible, r.internal_fen,
               r.statutory_fen, r.contract_fen, r.share_fen, r.reward_fen,
               SUM(r.eligible) OVER (PARTITION BY r.unit_id), SUM(r.internal_fen) OVER (PARTITION BY r.unit_id),
               SUM(r.statutory_fen) OVER (PARTITION BY r.unit_id), SUM(r.contract_fen) OVER (PARTITION BY r.unit_id),
               SUM(r.reward_fen) OVER (PARTITION BY r.unit_id),
               {d.Least}(SUM(r.reward_fen) OVER (PARTITION BY r.unit_id), @unitCap)
        FROM rewarded r
        JOIN units u ON u.id = r.unit_id
        ORDER BY r.unit_id, r.inner_id
        """;
}
