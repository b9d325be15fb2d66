using System.Text;
using System.Text.Json.Nodes;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;

namespace DxyqOpenData.Tests.Imports;

/// <summary>
/// Imports of the catalog kinds (instruments, service offerings, datasets, sensors): written by the push API's handlers,
/// reported by row number and Chinese column, bound to the token's unit. Read back over OData and in SQL.
/// </summary>
public abstract class ImportKindsTests(NodeFactory node)
{
    private readonly HttpClient _http = node.CreateClient();

    private static readonly string[] InstrumentHeader =
        ["资产编号", "仪器名称", "分类代码", "仪器类型", "原值(元)", "资金来源", "验收日期", "仪器状态", "共享模式", "所在地区代码", "产地国别"];

    private static readonly string[] OfferingHeader = ["服务编号", "仪器资产编号", "服务名称", "服务类型", "收费(元)", "计费单位", "可在线预约"];

    private static string[] Instrument(string innerId, string price = "2,860,000.00", string name = "场发射扫描电子显微镜") =>
        [innerId, name, "030122", "通用", price, "财政", "2025-09-01", "正常", "开放共享", "330106", "JP"];

    private static string[] Offering(string externalId, string innerId, string fee = "300.00") =>
        [externalId, innerId, "扫描电镜形貌观察", "测试", fee, "样品", "是"];

    /// <summary>A CSV file as Excel saves "CSV UTF-8": BOM, CRLF, quoted cells where they hold a comma.</summary>
    private static byte[] Csv(string[] header, IEnumerable<string[]> rows) =>
        [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(string.Concat(new[] { header }.Concat(rows)
            .Select(r => string.Join(',', r.Select(c => c.Contains(',') ? $"\"{c}\"" : c)) + "\r\n")))];

    private async Task<HttpClient> ClientAsync(string scopes, string? unit) =>
        node.WithToken(await _http.TokenAsync(await node.AddClientAsync(scopes, unit)));

    private static List<(int Row, string? Column, string Reason)> Rejected(JsonObject report) =>
        [.. report["rejected"]!.AsArray().Select(r => (r!["row"]!.GetValue<int>(), r["column"]?.GetValue<string>(), r["reason"]!.GetValue<string>()))];

    [Fact]
    public async Task Instruments_then_offerings_land_and_are_readable_over_odata()
    {
        var ((unit, _), _) = await ImportsTests.UnitsAsync(node);
        var client = await ClientAsync("catalog.write", unit);
        var prefix = $"IMPI-{Guid.NewGuid():N}"[..20];
        var instruments = Csv(InstrumentHeader, [Instrument($"{prefix}-1"), Instrument($"{prefix}-2", "450000", "激光共聚焦显微镜")]);

        var report = await ImportsTests.ImportAsync(client, instruments, "instruments.csv", "instruments");

        Assert.Equal("completed", report["status"]!.GetValue<string>());
        Assert.Equal("instruments", report["kind"]!.GetValue<string>());
        Assert.Equal(2, report["totalRows"]!.GetValue<int>());
        Assert.Equal(2, report["accepted"]!.GetValue<int>());
        Assert.Empty(report["rejected"]!.AsArray());
        var read = (await _http.GetJsonAsync($"/odata/Instruments?$filter=startswith(innerId,'{prefix}')&$orderby=innerId")).Values();
        Assert.Equal(2, read.Count);
        Assert.All(read, i => Assert.Equal(unit, i!["unitId"]!.GetValue<string>()));
        Assert.Equal("场发射扫描电子显微镜", read[0]!["name"]!.GetValue<string>());
        Assert.Equal(2860000m, read[0]!["priceCny"]!.Decimal());
        Assert.False(read[0]!["isDomestic"]!.GetValue<bool>());
        Assert.Equal("激光共聚焦显微镜", read[1]!["name"]!.GetValue<string>());
        Assert.Equal(450000m, read[1]!["priceCny"]!.Decimal());

        // Offerings referencing the imported instruments by their innerId.
        var offerings = Csv(OfferingHeader, [Offering($"{prefix}-S1", $"{prefix}-1"), Offering($"{prefix}-S2", $"{prefix}-2", "1,200.50")]);
        var offeringReport = await ImportsTests.ImportAsync(client, offerings, "offerings.csv", "service-offerings");
        Assert.Equal("completed", offeringReport["status"]!.GetValue<string>());
        Assert.Equal(2, offeringReport["accepted"]!.GetValue<int>());
        Assert.Empty(offeringReport["rejected"]!.AsArray());
        var readOfferings = (await _http.GetJsonAsync($"/odata/ServiceOfferings?$filter=startswith(externalId,'{prefix}')&$orderby=externalId")).Values();
        Assert.Equal(2, readOfferings.Count);
        Assert.Equal(read[0]!["id"]!.GetValue<string>(), readOfferings[0]!["instrumentId"]!.GetValue<string>());
        Assert.Equal(read[1]!["id"]!.GetValue<string>(), readOfferings[1]!["instrumentId"]!.GetValue<string>());
        Assert.Equal(1200.5m, readOfferings[1]!["feeCny"]!.Decimal());

        // The same instruments file again updates the same rows (upsert by innerId), nothing more.
        var again = await ImportsTests.ImportAsync(client, instruments, "instruments.csv", "instruments");
        Assert.Equal(2, again["accepted"]!.GetValue<int>());
        Assert.Equal(2L, await node.ScalarAsync<long>($"SELECT COUNT(*) FROM instruments WHERE inner_id LIKE '{prefix}%'"));
    }

    [Fact]
    public async Task Datasets_and_sensors_land_too()
    {
        var ((unit, instrument), _) = await ImportsTests.UnitsAsync(node);
        var client = await ClientAsync("catalog.write", unit);
        var prefix = $"impd-{Guid.NewGuid():N}"[..20];

        var datasets = await ImportsTests.ImportAsync(client, Csv(["数据集编号", "仪器资产编号", "题名", "许可证", "获取方式", "数据大小(字节)", "发布日期"],
            [[$"{prefix}-d", instrument, "锂电池正极材料电镜图像集", "CC-BY-4.0", "开放", "104857600", "2026/3/15"]]), "datasets.csv", "datasets");
        Assert.Equal(1, datasets["accepted"]!.GetValue<int>());
        Assert.Empty(datasets["rejected"]!.AsArray());
        var dataset = Assert.Single((await _http.GetJsonAsync($"/odata/Datasets?$filter=externalId eq '{prefix}-d'")).Values())!;
        Assert.Equal("open", dataset["access"]!.GetValue<string>());

        var sensors = await ImportsTests.ImportAsync(client, Csv(["设备号", "报文格式", "设备状态", "心跳间隔(秒)"],
            [[$"{prefix}-s", "canonical", "停用", "60"]]), "sensors.csv", "sensors");
        Assert.Equal(1, sensors["accepted"]!.GetValue<int>());
        Assert.Empty(sensors["rejected"]!.AsArray());
        Assert.Equal(1L, await node.ScalarAsync<long>($"SELECT COUNT(*) FROM sensors WHERE id = '{prefix}-s' AND unit_id = '{unit}'"));
    }

    [Fact]
    public async Task An_instrument_below_300000_is_reported_by_row_and_chinese_column_and_the_valid_rows_written()
    {
        var ((unit, _), _) = await ImportsTests.UnitsAsync(node);
        var client = await ClientAsync("catalog.write", unit);
        var prefix = $"IMPP-{Guid.NewGuid():N}"[..20];

        var report = await ImportsTests.ImportAsync(client, Csv(InstrumentHeader,
            [Instrument($"{prefix}-1"), Instrument($"{prefix}-cheap", "299999.99"), Instrument($"{prefix}-3", "300000")]), "prices.csv", "instruments");

        Assert.Equal("completed", report["status"]!.GetValue<string>());
        Assert.Equal(3, report["totalRows"]!.GetValue<int>());
        Assert.Equal(2, report["accepted"]!.GetValue<int>());
        var rejected = Assert.Single(Rejected(report));
        Assert.Equal(3, rejected.Row);
        Assert.Equal("原值(元)", rejected.Column);
        Assert.Equal([$"{prefix}-1", $"{prefix}-3"],
            (await node.RowsAsync($"SELECT inner_id FROM instruments WHERE inner_id LIKE '{prefix}%' ORDER BY inner_id")).Select(r => r[0]!.ToString()));
    }

    [Fact]
    public async Task An_amount_past_what_is_stored_is_one_rejected_row_and_a_date_at_the_calendars_end_is_taken()
    {
        // Both used to fail the whole file ("could not be processed; nothing was written").
        var ((unit, _), _) = await ImportsTests.UnitsAsync(node);
        var client = await ClientAsync("catalog.write", unit);
        var prefix = $"IMPX-{Guid.NewGuid():N}"[..20];
        var late = Instrument($"{prefix}-late");
        late[6] = "9999-12-31";

        var report = await ImportsTests.ImportAsync(client, Csv(InstrumentHeader,
            [Instrument($"{prefix}-1"), Instrument($"{prefix}-huge", "100000000000000000"), late]), "limits.csv", "instruments");

        Assert.Equal("completed", report["status"]!.GetValue<string>());
        Assert.Equal(2, report["accepted"]!.GetValue<int>());
        var rejected = Assert.Single(Rejected(report));
        Assert.Equal((3, "原值(元)"), (rejected.Row, rejected.Column));
        Assert.Equal([$"{prefix}-1", $"{prefix}-late"],
            (await node.RowsAsync($"SELECT inner_id FROM instruments WHERE inner_id LIKE '{prefix}%' ORDER BY inner_id")).Select(r => r[0]!.ToString()));
    }

    [Fact]
    public async Task Another_units_instrument_is_rejected_and_nothing_of_that_unit_changes()
    {
        var ((a, instrumentOfA), (b, instrumentOfB)) = await ImportsTests.UnitsAsync(node);
        var client = await ClientAsync("catalog.write", a);
        var prefix = $"IMPX-{Guid.NewGuid():N}"[..20];
        const string offeringsOfB = "SELECT COUNT(*) FROM service_offerings WHERE unit_id = '{0}'";
        var before = await node.ScalarAsync<long>(string.Format(offeringsOfB, b));

        var report = await ImportsTests.ImportAsync(client, Csv(OfferingHeader,
            [Offering($"{prefix}-other", instrumentOfB), Offering($"{prefix}-own", instrumentOfA)]), "offerings.csv", "service-offerings");

        Assert.Equal("completed", report["status"]!.GetValue<string>());
        Assert.Equal(1, report["accepted"]!.GetValue<int>());
        var rejected = Assert.Single(Rejected(report));
        Assert.Equal(2, rejected.Row);
        Assert.Equal("仪器资产编号", rejected.Column);
        Assert.Contains(instrumentOfB, rejected.Reason);
        Assert.Equal([$"{prefix}-own"],
            (await node.RowsAsync($"SELECT external_id FROM service_offerings WHERE external_id LIKE '{prefix}%'")).Select(r => r[0]!.ToString()));
        Assert.Equal(before, await node.ScalarAsync<long>(string.Format(offeringsOfB, b)));

        // An instrument row naming the other unit in 单位信用代码 is refused too; the row without it is written.
        var header = InstrumentHeader.Append("单位信用代码").ToArray();
        var unitReport = await ImportsTests.ImportAsync(client, Csv(header,
            [[.. Instrument($"{prefix}-i1"), b], [.. Instrument($"{prefix}-i2"), ""]]), "units.csv", "instruments");
        Assert.Equal(1, unitReport["accepted"]!.GetValue<int>());
        Assert.Contains(Rejected(unitReport), r => r is { Row: 2, Column: "单位信用代码" });
        Assert.Equal(0L, await node.ScalarAsync<long>($"SELECT COUNT(*) FROM instruments WHERE inner_id = '{prefix}-i1'"));
        Assert.Equal(a, (await node.RowsAsync($"SELECT unit_id FROM instruments WHERE inner_id = '{prefix}-i2'")).Single()[0]!.ToString()!.Trim());
    }
}

public sealed class SqliteImportKindsTests(SqliteNode node) : ImportKindsTests(node), IClassFixture<SqliteNode>;

public sealed class PostgreSqlImportKindsTests(PostgreSqlNode node) : ImportKindsTests(node), IClassFixture<PostgreSqlNode>;
