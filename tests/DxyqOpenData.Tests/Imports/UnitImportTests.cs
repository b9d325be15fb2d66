using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Data.Reference;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;

namespace DxyqOpenData.Tests.Imports;

/// <summary>
/// The import kind <c>units</c> (docs/imports.md, docs/operations.md "From zero"): administrators register management
/// units from a fixed-format file; rows with a wrong check character, a county outside the province or an unknown type
/// are reported by row and Chinese column, the others written and readable over OData. Unit clients cannot import units,
/// administrators cannot import a unit's data, and each sees only its own imports.
/// </summary>
public abstract class UnitImportTests(NodeFactory node)
{
    private readonly HttpClient _http = node.CreateClient();

    private static readonly string[] Header =
        ["统一社会信用代码", "单位名称", "单位类型", "所在地区代码", "省属单位", "已接入管理系统", "集约化平台名称", "网站"];

    private static readonly (string Label, string Wire)[] Types =
        [("高校", "university"), ("科研院所", "institute"), ("医院", "hospital"), ("企业", "enterprise"), ("其他", "other")];

    /// <summary>GB 32100's check character, written here from the standard rather than taken from the node.</summary>
    private static char Check(string first17)
    {
        const string alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
        int[] weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
        var sum = first17.Select((c, i) => alphabet.IndexOf(c) * weights[i]).Sum();
        return alphabet[(31 - sum % 31) % 31];
    }

    private sealed record Row(string Code, string Name, (string Label, string Wire) Type, string Region, bool ProvinceOwned,
        bool Connected, string? Facility, string? Reject = null)
    {
        public string[] Cells => [Code, Name, Type.Label, Region, ProvinceOwned ? "是" : "否", Connected ? "是" : "否", Facility ?? "", ""];
    }

    [Fact]
    public async Task Administrators_import_units_bad_rows_are_reported_by_row_and_column_and_the_rest_are_registered()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        const string alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
        var counties = Regions.Default.ForNode("ZJ").Cities.SelectMany(c => c.Counties).ToList();
        var rows = new List<Row>();
        for (var i = 0; i < 12; i++)
        {
            var county = counties[random.Next(counties.Count)].Code;
            var first17 = (random.Next(2) == 0 ? "12" : "91") + county + new string([.. Enumerable.Range(0, 9).Select(_ => alphabet[random.Next(31)])]);
            var code = first17 + Check(first17);
            var type = Types[random.Next(Types.Length)];
            var facility = random.Next(2) == 0 ? $"共享中心{i}" : null;
            rows.Add((i % 4) switch
            {
                // A wrong check character, an instrument-less county outside Zhejiang, an unknown type label.
                1 => new Row(first17 + alphabet[(alphabet.IndexOf(Check(first17)) + 1 + random.Next(30)) % 31], $"单位{i}", type, county, false, false, null, "统一社会信用代码"),
                2 when i < 8 => new Row(code, $"单位{i}", type, "310101", false, false, null, "所在地区代码"),
                3 when i < 8 => new Row(code, $"单位{i}", ("研究会", "x"), county, false, false, null, "单位类型"),
                _ => new Row(code, $"单位{i}", type, county, random.Next(2) == 0, random.Next(2) == 0, facility),
            });
        }
        rows = [.. rows.OrderBy(_ => random.Next())];
        var csv = Encoding.UTF8.GetBytes(string.Concat(new[] { Header }.Concat(rows.Select(r => r.Cells)).Select(r => string.Join(',', r) + "\r\n")));
        var admin = node.WithToken(await _http.TokenAsync(await node.AddClientAsync("admin")));

        var report = await ImportsTests.ImportAsync(admin, csv, "units.csv", "units");

        Assert.Equal("completed", report["status"]!.GetValue<string>());
        Assert.Equal("units", report["kind"]!.GetValue<string>());
        var expectedRejected = rows.Select((r, i) => (Row: i + 2, r.Reject)).Where(r => r.Reject is not null).ToList();
        Assert.Equal(rows.Count - expectedRejected.Count, report["accepted"]!.GetValue<int>());
        Assert.Equal(expectedRejected, [.. report["rejected"]!.AsArray().Select(r => (r!["row"]!.GetValue<int>(), (string?)r["column"]!.GetValue<string>()))]);
        foreach (var row in rows)
        {
            using var read = await _http.GetAsync($"/odata/Units('{row.Code}')");
            if (row.Reject is not null)
            {
                Assert.True(read.StatusCode == HttpStatusCode.NotFound, $"seed {seed}: rejected row {row.Code} was written");
                continue;
            }
            var unit = JsonNode.Parse(await read.Content.ReadAsStringAsync())!;
            Assert.Equal(row.Name, unit["name"]!.GetValue<string>());
            Assert.Equal(row.Type.Wire, unit["type"]!.GetValue<string>());
            Assert.Equal(row.Region, unit["regionCode"]!.GetValue<string>());
            Assert.Equal(row.Region[..4] + "00", unit["cityCode"]!.GetValue<string>());
            Assert.Equal(row.ProvinceOwned, unit["provinceOwned"]!.GetValue<bool>());
            Assert.Equal(row.Connected, unit["hasConnectedSystem"]!.GetValue<bool>());
            Assert.Equal(row.Facility, unit["sharedFacilityName"]?.GetValue<string>());
        }

        // The same file again updates the same units (upsert by credit code), nothing more.
        var again = await ImportsTests.ImportAsync(admin, csv, "units.csv", "units");
        Assert.Equal(report["accepted"]!.GetValue<int>(), again["accepted"]!.GetValue<int>());
        var codes = string.Join(",", rows.Select(r => $"'{r.Code}'"));
        Assert.Equal((long)(rows.Count - expectedRejected.Count), await node.ScalarAsync<long>($"SELECT COUNT(*) FROM units WHERE id IN ({codes})"));
    }

    [Fact]
    public async Task Units_are_imported_by_administrators_only_and_each_client_sees_its_own_imports()
    {
        var ((unit, _), _) = await ImportsTests.UnitsAsync(node);
        var unitClient = node.WithToken(await _http.TokenAsync(await node.AddClientAsync("catalog.write,records.write", unit)));
        var admin = node.WithToken(await _http.TokenAsync(await node.AddClientAsync("admin")));
        var template = await (await _http.GetAsync("/api/v1/imports/templates/units.csv")).Content.ReadAsByteArrayAsync();
        Assert.Equal(Encoding.UTF8.GetPreamble(), template[..3]);
        Assert.StartsWith("统一社会信用代码,单位名称,英文名称,单位类型,所在地区代码", Encoding.UTF8.GetString(template[3..]));

        using (var refused = await ImportsTests.UploadAsync(unitClient, template, "units.csv", "units"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("admin", await refused.Content.ReadAsStringAsync());
        }
        using (var refused = await ImportsTests.UploadAsync(admin, template, "instruments.csv", "instruments"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        using (var anonymous = await ImportsTests.UploadAsync(_http, template, "units.csv", "units"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        // The template's example row is ZJU's real credit code: the administrator's import accepts it.
        var report = await ImportsTests.ImportAsync(admin, template, "units.csv", "units");
        Assert.Equal(1, report["accepted"]!.GetValue<int>());
        Assert.Empty(report["rejected"]!.AsArray());
        var url = $"/api/v1/imports/{report["id"]!.GetValue<string>()}";
        Assert.Equal(HttpStatusCode.NotFound, (await unitClient.GetAsync(url)).StatusCode);
        var unitImport = await ImportsTests.ImportAsync(unitClient, Encoding.UTF8.GetBytes($"设备号,报文格式,设备状态\r\nuimp-{Guid.NewGuid():N},canonical,停用\r\n"), "sensors.csv", "sensors");
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/v1/imports/{unitImport["id"]!.GetValue<string>()}")).StatusCode);
    }
}

public sealed class SqliteUnitImportTests(SqliteNode node) : UnitImportTests(node), IClassFixture<SqliteNode>;

public sealed class PostgreSqlUnitImportTests(PostgreSqlNode node) : UnitImportTests(node), IClassFixture<PostgreSqlNode>;
