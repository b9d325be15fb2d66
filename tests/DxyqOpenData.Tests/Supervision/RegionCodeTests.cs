using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Imports;
using DxyqOpenData.Tests.Infrastructure;

namespace DxyqOpenData.Tests.Supervision;

/// <summary>
/// Region codes checked against the GB/T 2260 list the node ships (api/Data/Reference/regions.json, read here on its
/// own): generated valid codes are taken, generated invalid ones — a county of another province for an instrument of
/// this (Zhejiang) node, a province or county that does not exist, a statistical-only code, a malformed code — are item
/// errors naming the field and the code, in a push and in an import, and nothing of them is written.
/// </summary>
public abstract class RegionCodeTests(DatabaseProvider provider)
{
    /// <summary>The shipped list, read without the node's code: county codes per province code, and every code of any level.</summary>
    private sealed record ShippedList(Dictionary<string, List<string>> Counties, HashSet<string> All)
    {
        public static ShippedList Read()
        {
            using var file = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Data", "Reference", "regions.json")));
            var counties = new Dictionary<string, List<string>>();
            var all = new HashSet<string>();
            foreach (var province in file.RootElement.GetProperty("provinces").EnumerateArray())
            {
                var code = province.GetProperty("code").GetString()!;
                all.Add(code);
                counties[code] = [];
                foreach (var city in province.GetProperty("cities").EnumerateArray())
                {
                    all.Add(city.GetProperty("code").GetString()!);
                    foreach (var county in city.GetProperty("counties").EnumerateArray())
                    {
                        counties[code].Add(county.GetProperty("code").GetString()!);
                        all.Add(county.GetProperty("code").GetString()!);
                    }
                }
            }
            return new ShippedList(counties, all);
        }
    }

    private static readonly DateTimeOffset Now = new(2026, 3, 2, 2, 0, 0, TimeSpan.Zero);

    /// <summary>Generated codes: the valid ones of this node's province and others, and invalid ones of each kind.</summary>
    private static (List<string> Zhejiang, List<string> Elsewhere, List<string> Unknown, List<string> Malformed) Cases(ShippedList list, Random random)
    {
        var zhejiang = list.Counties["330000"].OrderBy(_ => random.Next()).Take(12).ToList();
        var elsewhere = list.Counties.Where(p => p.Key != "330000" && p.Value.Count > 0)
            .Select(p => p.Value[random.Next(p.Value.Count)]).OrderBy(_ => random.Next()).Take(12).ToList();
        var unknown = new List<string>();
        while (unknown.Count < 6)
        {
            // A province that does not exist (its first two digits), then a county that does not in a real city.
            var province = random.Next(10, 100).ToString("00");
            var code = province + random.Next(0, 10000).ToString("0000");
            if (!list.All.Contains(province + "0000") && !unknown.Contains(code)) unknown.Add(code);
        }
        var cities = list.All.Where(c => c.StartsWith("33", StringComparison.Ordinal) && c.EndsWith("00", StringComparison.Ordinal) && c != "330000").ToList();
        while (unknown.Count < 12)
        {
            var code = cities[random.Next(cities.Count)][..4] + random.Next(1, 100).ToString("00");
            if (!list.All.Contains(code) && !unknown.Contains(code)) unknown.Add(code);
        }
        // 温州经济技术开发区: a statistics bureau code (county digits 71-80), not GB/T 2260's.
        unknown.Add("330371");
        var malformed = new List<string> { "33010", "3301066", "33O106", "", " 330106" };
        return (zhejiang, elsewhere, unknown, malformed);
    }

    private static async Task<JsonNode> PushAsync(HttpClient client, string kind, IEnumerable<JsonObject> items)
    {
        var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/api/v1/push/{kind}")
        {
            Content = SupervisionNode.Json(new JsonArray(items.Select(i => (JsonNode)i).ToArray())),
            Headers = { { "Prefer", "odata.continue-on-error" } },
        });
        return await SupervisionNode.Ok(response);
    }

    /// <summary>Every rejection names the field; those the node checks (not the schema's pattern) name the code too.</summary>
    private static void AssertRejected(JsonNode result, IReadOnlyList<string> codes, ISet<int> expected, string path)
    {
        var rejected = result["rejected"]!.AsArray().ToDictionary(r => r!["index"]!.GetValue<int>(), r => r!["errors"]!.AsArray());
        Assert.Equal(expected.Order(), rejected.Keys.Order());
        foreach (var (index, errors) in rejected)
        {
            var mine = errors.Where(e => e!["path"]!.GetValue<string>() == path).Select(e => e!["message"]!.GetValue<string>()).ToList();
            Assert.True(mine.Count > 0, $"{codes[index]}: {errors.ToJsonString()}");
            if (codes[index].Length == 6 && codes[index].All(char.IsAsciiDigit))
            {
                Assert.Contains(mine, m => m.Contains($"'{codes[index]}'", StringComparison.Ordinal));
            }
        }
    }

    [Fact]
    public async Task Instrument_region_codes_must_be_counties_of_the_nodes_province()
    {
        await using var s = await SupervisionNode.StartAsync(provider, Now);
        var (zhejiang, elsewhere, unknown, malformed) = Cases(ShippedList.Read(), new Random(2260));
        var codes = zhejiang.Concat(elsewhere).Concat(unknown).Concat(malformed).ToList();
        var items = codes.Select((code, i) =>
        {
            var instrument = SupervisionNode.Instrument($"RG-{i}", "2026-02-20");
            instrument["regionCode"] = code;
            return instrument;
        });
        var result = await PushAsync(s.WriterA, "instruments", items);
        AssertRejected(result, codes, Enumerable.Range(zhejiang.Count, codes.Count - zhejiang.Count).ToHashSet(), "/regionCode");
        Assert.Equal(zhejiang.Count, result["accepted"]!.GetValue<int>());
        var stored = (await s.ReaderA.GetJsonAsync("/odata/Instruments?$select=innerId,regionCode&$top=1000")).Values()
            .ToDictionary(i => i!["innerId"]!.GetValue<string>(), i => i!["regionCode"]!.GetValue<string>());
        Assert.Equal(zhejiang.Select((code, i) => ($"RG-{i}", code)).Order(), stored.Select(kv => (kv.Key, kv.Value)).Order());
        // Another province's county is named as such.
        var other = result["rejected"]!.AsArray().Single(r => r!["index"]!.GetValue<int>() == zhejiang.Count)!;
        Assert.Contains("浙江省", other["errors"]![0]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task User_region_codes_may_be_any_real_code_of_any_province()
    {
        await using var s = await SupervisionNode.StartAsync(provider, Now);
        await s.PushAsync(s.WriterA, "instruments", SupervisionNode.Instrument("RU-1", "2026-02-20"));
        var list = ShippedList.Read();
        var (zhejiang, elsewhere, unknown, malformed) = Cases(list, new Random(13));
        // Users come from anywhere: counties of any province, and city or province codes where that is all that is known.
        var valid = zhejiang.Concat(elsewhere).Concat(["310000", "320500", "810000"]).ToList();
        Assert.All(valid, code => Assert.Contains(code, list.All));
        var codes = valid.Concat(unknown).Concat(malformed).ToList();
        var items = codes.Select((code, i) =>
        {
            var record = AlertSweepTests.Record($"RU-R{i}", "RU-1", "2026-03-01T09:00:00+08:00", "2026-03-01T10:00:00+08:00", 1);
            record["userRegionCode"] = code;
            return record;
        });
        var result = await PushAsync(s.WriterA, "service-records", items);
        AssertRejected(result, codes, Enumerable.Range(valid.Count, codes.Count - valid.Count).ToHashSet(), "/userRegionCode");
        Assert.Equal(valid.Count, result["accepted"]!.GetValue<int>());
        Assert.Equal(valid.Count, await s.Node.ScalarAsync<long>("SELECT COUNT(*) FROM service_records"));
    }

    [Fact]
    public async Task An_unknown_region_code_in_an_import_is_a_rejected_row_naming_the_column_and_the_code()
    {
        await using var s = await SupervisionNode.StartAsync(provider, Now);
        string[] header = ["资产编号", "仪器名称", "分类代码", "仪器类型", "原值(元)", "资金来源", "验收日期", "仪器状态", "共享模式", "所在地区代码"];
        string[] Row(string innerId, string region) => [innerId, "场发射扫描电子显微镜", "030122", "通用", "450000", "财政", "2026-02-20", "正常", "开放共享", region];
        var csv = Encoding.UTF8.GetBytes(string.Join("\r\n", new[] { header, Row("IM-1", "330127"), Row("IM-2", "320102"), Row("IM-3", "330199") }
            .Select(r => string.Join(',', r))) + "\r\n");
        var report = await ImportsTests.ImportAsync(s.WriterA, csv, "instruments.csv", "instruments");
        Assert.Equal("completed", report["status"]!.GetValue<string>());
        Assert.Equal(1, report["accepted"]!.GetValue<int>());
        var rejected = report["rejected"]!.AsArray().Select(r => (Row: r!["row"]!.GetValue<int>(), Column: r["column"]?.GetValue<string>(),
            Reason: r["reason"]!.GetValue<string>())).OrderBy(r => r.Row).ToList();
        Assert.Equal([3, 4], rejected.Select(r => r.Row));
        Assert.All(rejected, r => Assert.Equal("所在地区代码", r.Column));
        Assert.Contains("320102", rejected[0].Reason);
        Assert.Contains("330199", rejected[1].Reason);
        Assert.Equal("330127", (await s.InstrumentAsync("IM-1"))["regionCode"]!.GetValue<string>());
    }
}

public sealed class SqliteRegionCodeTests() : RegionCodeTests(DatabaseProvider.Sqlite);

public sealed class PostgreSqlRegionCodeTests() : RegionCodeTests(DatabaseProvider.PostgreSql);
