using System.Text;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Data.Reference;
using DxyqOpenData.Tests.Imports;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;
using DxyqOpenData.Tests.Supervision;

namespace DxyqOpenData.Tests.Reports;

/// <summary>
/// The rewards' fixture, pushed and imported through the API on 2 April 2026, 10:00 Beijing. Fees in CNY.
/// <list type="bullet">
/// <item>unit A (university): A-1 with every kind of record (eligible ones on both edges of 2025 by Beijing time, ones of
/// the neighbouring years, internal, statutory, contract-rewarded, both flags, and two imported rows); A-2 250,000 external
/// (its 10% is over the 20,000 cap); A-3 200,000 external (its 10% is the cap exactly).</item>
/// <item>unit C (institute, registered by an administrator): <see cref="CFees"/> instruments with one external record each,
/// fees drawn between 180,000 and 260,000 with odd fen, so their rewards sum to more than 1,000,000.</item>
/// </list>
/// </summary>
internal sealed class RewardsFixture
{
    public static readonly string UnitC = CreditCode.Create("12", "330100", "MA2B0017");

    public required SupervisionNode Node { get; init; }

    /// <summary>Unit C's fees in fen, instrument C-00 first.</summary>
    public required long[] CFees { get; init; }

    public static async Task<RewardsFixture> StartAsync(DatabaseProvider provider, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var s = await SupervisionNode.StartAsync(provider, ReviewFixture.Beijing(2026, 4, 2, 10), settings: settings);
        await s.PushAsync(s.WriterA, "instruments", SupervisionNode.Instrument("A-1", "2024-06-01"), SupervisionNode.Instrument("A-2", "2024-06-01"),
            SupervisionNode.Instrument("A-3", "2024-06-01"));
        await s.PushAsync(s.WriterA, "service-records",
            Record("a01", "A-1", "2025-03-03T09:00:00+08:00", 30_000.00m),
            Record("a02", "A-1", "2025-06-10T09:00:00+08:00", 12_345.67m),
            Record("a03", "A-1", "2025-12-31T23:30:00+08:00", 700.00m),   // started in 2025 by Beijing time, ends in 2026
            Record("a04", "A-1", "2025-01-01T00:10:00+08:00", 300.01m),   // 2024-12-31 in UTC, 2025 in Beijing
            Record("a05", "A-1", "2026-01-01T00:30:00+08:00", 50_000.00m), // 2025-12-31 in UTC, 2026 in Beijing
            Record("a06", "A-1", "2024-12-31T23:50:00+08:00", 40_000.00m),
            Record("a07", "A-1", "2025-04-01T09:00:00+08:00", 5_000.00m, external: false),
            Record("a08", "A-1", "2025-04-02T09:00:00+08:00", 8_000.00m, statutory: true),
            Record("a09", "A-1", "2025-04-03T09:00:00+08:00", 9_000.00m, contract: true),
            Record("a10", "A-1", "2025-04-04T09:00:00+08:00", 1_000.00m, statutory: true, contract: true),
            Record("a11", "A-1", "2025-04-07T09:00:00+08:00", 600.00m, external: false, contract: true),
            Record("a12", "A-1", "2026-04-01T09:00:00+08:00", 3_000.00m, hours: 48),    // not completed on 2 April 2026 10:00
            Record("a20", "A-2", "2025-08-01T09:00:00+08:00", 250_000.00m),
            Record("a30", "A-3", "2025-08-01T09:00:00+08:00", 200_000.00m));

        // Two rows of the monthly fixed format: the new column says 是 on one and is left empty on the other.
        var csv = new StringBuilder("记录编号,仪器资产编号,开始时间,结束时间,机时(小时),用户姓名,用户单位,校外用户,服务费(元),支付方式,已纳入横向项目奖励\r\n")
            .Append("i01,A-1,2025-05-06 09:00,2025-05-06 10:00,1,李明,淳安某新材料有限公司,是,2000.00,转账,是\r\n")
            .Append("i02,A-1,2025-05-07 09:00,2025-05-07 10:00,1,李明,淳安某新材料有限公司,是,1111.11,转账,\r\n").ToString();
        var import = await ImportsTests.ImportAsync(s.WriterA, [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(csv)], "2025-05.csv");
        Assert.True(import["accepted"]!.GetValue<int>() == 2, import.ToJsonString());

        await s.PushAsync(s.Admin, "units", new JsonObject { ["creditCode"] = UnitC, ["name"] = "杭州某研究院", ["type"] = "institute", ["regionCode"] = "330106" });
        var writerC = s.Node.WithToken(await s.Node.CreateClient().TokenAsync(await s.Node.AddClientAsync("catalog.write,records.write", UnitC)));
        var random = new Random(2025);
        var fees = Enumerable.Range(0, random.Next(56, 61)).Select(_ => random.NextInt64(18_000_000, 26_000_001)).ToArray();
        await s.PushAsync(writerC, "instruments", fees.Select((_, i) => SupervisionNode.Instrument($"C-{i:D2}", "2024-06-01")).ToArray());
        await s.PushAsync(writerC, "service-records", fees.Select((fen, i) =>
            Record($"c{i:D2}", $"C-{i:D2}", $"2025-{1 + random.Next(12):D2}-{1 + random.Next(28):D2}T10:00:00+08:00", fen / 100m)).ToArray());
        return new RewardsFixture { Node = s, CFees = fees };
    }

    private static JsonObject Record(string id, string instrument, string started, decimal fee, bool external = true, bool statutory = false,
        bool contract = false, double hours = 1)
    {
        var start = DateTimeOffset.Parse(started);
        var record = AlertSweepTests.Record(id, instrument, started, start.AddHours(hours).ToString("yyyy-MM-ddTHH:mm:sszzz"), hours, external);
        record["feeCny"] = fee;
        if (statutory)
        {
            record["isStatutory"] = true;
        }
        if (contract)
        {
            record["rewardedAsContract"] = true;
        }
        return record;
    }
}
