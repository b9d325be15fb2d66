using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;

namespace DxyqOpenData.Tests.Imports;

/// <summary>
/// <c>/api/v1/imports</c> with real tokens over HTTP: templates, uploads in every encoding, row-numbered errors, unit
/// binding. What landed is checked in SQL on the node's database and read back over OData.
/// </summary>
public abstract class ImportsTests(NodeFactory node)
{
    private readonly HttpClient _http = node.CreateClient();

    internal static readonly string[] Header =
        ["记录编号", "仪器资产编号", "开始时间", "结束时间", "机时(小时)", "用户姓名", "用户单位", "校外用户", "服务费(元)", "支付方式", "样品数"];

    static ImportsTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    /// <summary>Two units that both have instruments: (unit, one of its instruments' innerId).</summary>
    internal static async Task<((string Unit, string Instrument) A, (string Unit, string Instrument) B)> UnitsAsync(NodeFactory node)
    {
        var rows = await node.RowsAsync("SELECT unit_id, MIN(inner_id) FROM instruments GROUP BY unit_id ORDER BY COUNT(*) DESC, unit_id");
        Assert.True(rows.Count >= 2, "the demo data should give two units with instruments");
        return ((rows[0][0]!.ToString()!.Trim(), rows[0][1]!.ToString()!), (rows[1][0]!.ToString()!.Trim(), rows[1][1]!.ToString()!));
    }

    private async Task<HttpClient> ClientAsync(string scopes, string? unit) =>
        node.WithToken(await _http.TokenAsync(await node.AddClientAsync(scopes, unit)));

    internal static string[] Row(string externalId, string instrument, string start = "2026-03-02 09:00", string end = "2026-03-02 11:30",
        string hours = "2.5", string fee = "1500.00", string user = "李明") =>
        [externalId, instrument, start, end, hours, user, "淳安某新材料有限公司", "是", fee, "转账", "3"];

    internal static string Csv(IEnumerable<string[]> rows) =>
        string.Concat(new[] { Header }.Concat(rows).Select(r => string.Join(',', r.Select(c => c.Contains(',') ? $"\"{c}\"" : c)) + "\r\n"));

    /// <summary>
    /// An XLSX file as Excel saves it. <paramref name="dateCells"/>: cells (column letter + row number, e.g. <c>C2</c>)
    /// that hold a number in a date-time format (style 22, "m/d/yy h:mm"), the way Excel stores dates.
    /// </summary>
    internal static byte[] Xlsx(IEnumerable<string[]> rows, IReadOnlySet<string>? dateCells = null)
    {
        using var memory = new MemoryStream();
        using (var document = SpreadsheetDocument.Create(memory, SpreadsheetDocumentType.Workbook))
        {
            var workbook = document.AddWorkbookPart();
            workbook.Workbook = new Workbook();
            if (dateCells is not null)
            {
                var styles = workbook.AddNewPart<WorkbookStylesPart>();
                styles.Stylesheet = new Stylesheet(
                    new Fonts(new Font()), new Fills(new Fill()), new Borders(new Border()),
                    new CellFormats(new CellFormat(), new CellFormat { NumberFormatId = 22, ApplyNumberFormat = true }));
            }
            var strings = workbook.AddNewPart<SharedStringTablePart>();
            strings.SharedStringTable = new SharedStringTable();
            var sheet = workbook.AddNewPart<WorksheetPart>();
            var data = new SheetData();
            uint index = 1;
            foreach (var values in new[] { Header }.Concat(rows))
            {
                var row = new Row { RowIndex = index };
                for (var i = 0; i < values.Length; i++)
                {
                    var reference = $"{(char)('A' + i)}{index}";
                    // Numbers as numeric cells, text as shared strings: the way Excel saves a sheet.
                    if (index > 1 && decimal.TryParse(values[i], System.Globalization.CultureInfo.InvariantCulture, out _))
                    {
                        row.Append(new Cell { CellReference = reference, CellValue = new CellValue(values[i]), StyleIndex = dateCells?.Contains(reference) == true ? 1u : null });
                    }
                    else
                    {
                        strings.SharedStringTable.Append(new SharedStringItem(new Text(values[i])));
                        row.Append(new Cell { CellReference = reference, DataType = CellValues.SharedString, CellValue = new CellValue(strings.SharedStringTable.Count() - 1) });
                    }
                }
                data.Append(row);
                index++;
            }
            sheet.Worksheet = new Worksheet(data);
            workbook.Workbook.AppendChild(new Sheets(new Sheet { Id = workbook.GetIdOfPart(sheet), SheetId = 1, Name = "服务记录" }));
            workbook.Workbook.Save();
        }
        return memory.ToArray();
    }

    internal static Task<HttpResponseMessage> UploadAsync(HttpClient client, byte[] content, string fileName, string kind = "service-records")
    {
        var form = new MultipartFormDataContent { { new StringContent(kind), "kind" } };
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", fileName);
        return client.PostAsync("/api/v1/imports", form);
    }

    /// <summary>Uploads, expects 202, and polls until the import is completed or failed.</summary>
    internal static async Task<JsonObject> ImportAsync(HttpClient client, byte[] content, string fileName, string kind = "service-records")
    {
        using var response = await UploadAsync(client, content, fileName, kind);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode} {body}");
        var accepted = JsonNode.Parse(body)!.AsObject();
        Assert.Equal("queued", accepted["status"]!.GetValue<string>());
        Assert.Equal(accepted["url"]!.GetValue<string>(), response.Headers.Location!.ToString());
        return await FinishedAsync(client, response.Headers.Location!.ToString());
    }

    /// <summary>Polls the import at <paramref name="url"/> until it is completed or failed.</summary>
    internal static async Task<JsonObject> FinishedAsync(HttpClient client, string url)
    {
        JsonObject? report = null;
        for (var i = 0; i < 600; i++)
        {
            report = await client.GetJsonAsync(url);
            if (report["status"]!.GetValue<string>() is "completed" or "failed")
            {
                return report;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"the import did not finish within a minute: {report}");
    }

    [Fact]
    public async Task Templates_have_the_chinese_headers_csv_with_bom_and_xlsx()
    {
        using var csv = await _http.GetAsync("/api/v1/imports/templates/service-records.csv");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        var bytes = await csv.Content.ReadAsByteArrayAsync();
        Assert.Equal([0xEF, 0xBB, 0xBF], bytes[..3]);
        var lines = Encoding.UTF8.GetString(bytes[3..]).Split("\r\n");
        var headers = lines[0].Split(',');
        foreach (var header in Header.Append("创新券编号").Append("用户评价"))
        {
            Assert.Contains(header, headers);
        }
        Assert.Equal(headers.Length, lines[1].Split(',').Length);

        using var instruments = await _http.GetAsync("/api/v1/imports/templates/instruments.xlsx");
        Assert.Equal(HttpStatusCode.OK, instruments.StatusCode);
        using var stream = new MemoryStream(await instruments.Content.ReadAsByteArrayAsync());
        using var document = SpreadsheetDocument.Open(stream, false);
        var part = document.WorkbookPart!.WorksheetParts.Single();
        var rows = part.Worksheet.Descendants<Row>().ToList();
        Assert.True(rows.Count >= 2, "a header row and an example row");
        var cells = rows[0].Elements<Cell>().Select(c => c.InnerText).ToList();
        foreach (var header in new[] { "资产编号", "仪器名称", "原值(元)", "验收日期", "共享模式" })
        {
            Assert.Contains(header, cells);
        }

        foreach (var kind in new[] { "service-offerings", "datasets", "sensors" })
        {
            Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync($"/api/v1/imports/templates/{kind}.csv")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync($"/api/v1/imports/templates/{kind}.xlsx")).StatusCode);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/api/v1/imports/templates/nothing.csv")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/api/v1/imports/templates/service-records.pdf")).StatusCode);
    }

    [Theory]
    [InlineData("utf8-bom")]
    [InlineData("utf8")]
    [InlineData("gb18030")]
    [InlineData("xlsx")]
    public async Task Service_records_land_from_every_encoding_and_are_readable_over_odata(string format)
    {
        var ((unit, instrument), _) = await UnitsAsync(node);
        var client = await ClientAsync("records.write,records.read", unit);
        var prefix = $"IMP-{format}-{Guid.NewGuid():N}"[..30];
        string[][] rows = [Row($"{prefix}-1", instrument, fee: "1,500.50", user: "李明"), Row($"{prefix}-2", instrument, "2026-03-05T14:00:00+08:00", "2026-03-05T15:00:00+08:00", "1", "0", "张三")];
        var csv = Csv(rows);
        var (content, name) = format switch
        {
            "utf8-bom" => ([.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(csv)], "march.csv"),
            "utf8" => (Encoding.UTF8.GetBytes(csv), "march.csv"),
            "gb18030" => (Encoding.GetEncoding("GB18030").GetBytes(csv), "march.csv"),
            _ => (Xlsx(rows), "march.xlsx"),
        };
        if (format == "gb18030")
        {
            Assert.ThrowsAny<DecoderFallbackException>(() => new UTF8Encoding(false, true).GetString(content));
        }

        var report = await ImportAsync(client, content, name);

        Assert.Equal("completed", report["status"]!.GetValue<string>());
        Assert.Equal(2, report["totalRows"]!.GetValue<int>());
        Assert.Equal(2, report["processedRows"]!.GetValue<int>());
        Assert.Equal(2, report["accepted"]!.GetValue<int>());
        Assert.Empty(report["rejected"]!.AsArray());
        var stored = await node.RowsAsync($"SELECT external_id, user_name, fee_fen, hours, unit_id FROM service_records WHERE external_id LIKE '{prefix}%' ORDER BY external_id");
        Assert.Equal(2, stored.Count);
        Assert.Equal("李明", stored[0][1]);
        Assert.Equal(150050L, Convert.ToInt64(stored[0][2]));
        Assert.Equal(2.5, Convert.ToDouble(stored[0][3]));
        Assert.Equal("张三", stored[1][1]);
        Assert.All(stored, r => Assert.Equal(unit, r[4]!.ToString()!.Trim()));

        var page = await client.GetJsonAsync($"/odata/ServiceRecords?$filter=startswith(externalId,'{prefix}')&$orderby=externalId&$select=externalId,userName,feeCny,startedAt,unitId");
        var values = page.Values();
        Assert.Equal(2, values.Count);
        Assert.Equal("李明", values[0]!["userName"]!.GetValue<string>());
        Assert.Equal(1500.5m, values[0]!["feeCny"]!.Decimal());
        Assert.Equal(DateTimeOffset.Parse("2026-03-02T01:00:00Z"), DateTimeOffset.Parse(values[0]!["startedAt"]!.ToString()));

        // The same file again updates the same rows (upsert by externalId), nothing more.
        var again = await ImportAsync(client, content, name);
        Assert.Equal(2, again["accepted"]!.GetValue<int>());
        Assert.Equal(2L, await node.ScalarAsync<long>($"SELECT COUNT(*) FROM service_records WHERE external_id LIKE '{prefix}%'"));
    }

    [Fact]
    public async Task A_finished_imports_file_is_dropped_after_the_retention_and_its_results_stay()
    {
        var ((unit, instrument), _) = await UnitsAsync(node);
        var client = await ClientAsync("records.write,records.read", unit);
        var prefix = $"RET-{Guid.NewGuid():N}"[..24];
        var old = await ImportAsync(client, Encoding.UTF8.GetBytes(Csv([Row($"{prefix}-1", instrument)])), "old.csv");
        var oldId = Guid.Parse(old["id"]!.GetValue<string>());
        // The first import finished 31 days ago (Imports:FileRetentionDays is 30 by default).
        await using (var scope = node.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
            await db.Imports.Where(j => j.Id == oldId)
                .ExecuteUpdateAsync(u => u.SetProperty(j => j.CompletedAt, DateTime.UtcNow.AddDays(-31)));
        }

        var recent = await ImportAsync(client, Encoding.UTF8.GetBytes(Csv([Row($"{prefix}-2", instrument)])), "recent.csv");
        var recentId = Guid.Parse(recent["id"]!.GetValue<string>());

        await using (var scope = node.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
            Assert.Empty(await db.Imports.Where(j => j.Id == oldId).Select(j => j.Content).SingleAsync());
            Assert.NotEmpty(await db.Imports.Where(j => j.Id == recentId).Select(j => j.Content).SingleAsync());
        }
        var report = await client.GetJsonAsync($"/api/v1/imports/{oldId}");
        Assert.Equal("completed", report["status"]!.GetValue<string>());
        Assert.Equal(1, report["accepted"]!.GetValue<int>());
    }

    [Fact]
    public async Task Invalid_rows_are_reported_by_row_number_and_chinese_column_and_the_valid_ones_written()
    {
        var ((unit, instrument), _) = await UnitsAsync(node);
        var client = await ClientAsync("records.write", unit);
        var prefix = $"ERR-{Guid.NewGuid():N}"[..20];
        var csv = Csv([
            Row($"{prefix}-ok", instrument),
            Row($"{prefix}-price", instrument, fee: "abc"),
            Row($"{prefix}-instrument", "NO-SUCH-INSTRUMENT"),
            Row($"{prefix}-time", instrument, "2026-03-02 12:00", "2026-03-02 11:00", "1"),
            Row($"{prefix}-hours", instrument, hours: "9"),
            Row($"{prefix}-negative", instrument, fee: "-5"),
            // Beijing time before the first UTC instant (this failed the whole file).
            Row($"{prefix}-year1", instrument, "0001-01-01 00:00", "0001-01-01 01:00", "1"),
        ]);

        var report = await ImportAsync(client, Encoding.UTF8.GetBytes(csv), "errors.csv");

        Assert.Equal("completed", report["status"]!.GetValue<string>());
        Assert.Equal(7, report["totalRows"]!.GetValue<int>());
        Assert.Equal(1, report["accepted"]!.GetValue<int>());
        var rejected = report["rejected"]!.AsArray().Select(r => (Row: r!["row"]!.GetValue<int>(), Column: r["column"]?.GetValue<string>(), Reason: r["reason"]!.GetValue<string>())).ToList();
        Assert.Contains(rejected, r => r is { Row: 3, Column: "服务费(元)" } && r.Reason.Contains("abc"));
        Assert.Contains(rejected, r => r is { Row: 4, Column: "仪器资产编号" } && r.Reason.Contains("NO-SUCH-INSTRUMENT"));
        // The rule messages (after the schema) come in Chinese first, for the unit staff who read import reports.
        Assert.Contains(rejected, r => r.Row == 4 && r.Reason.StartsWith("未知的仪器资产编号 'NO-SUCH-INSTRUMENT'", StringComparison.Ordinal) && r.Reason.Contains(" / Unknown instrument innerId"));
        Assert.Contains(rejected, r => r is { Row: 5, Column: "结束时间" });
        Assert.Contains(rejected, r => r is { Row: 6, Column: "机时(小时)" });
        Assert.Contains(rejected, r => r is { Row: 7, Column: "服务费(元)" });
        Assert.Contains(rejected, r => r is { Row: 8, Column: "开始时间" });
        Assert.Equal([3, 4, 5, 6, 7, 8], rejected.Select(r => r.Row).Distinct().Order());
        Assert.Equal([$"{prefix}-ok"], (await node.RowsAsync($"SELECT external_id FROM service_records WHERE external_id LIKE '{prefix}%'")).Select(r => r[0]!.ToString()));
    }

    [Fact]
    public async Task An_xlsx_date_outside_excels_range_is_one_rejected_row_not_an_unreadable_workbook()
    {
        var ((unit, instrument), _) = await UnitsAsync(node);
        var client = await ClientAsync("records.write", unit);
        var prefix = $"OAD-{Guid.NewGuid():N}"[..20];
        // 46083.375 is 2026-03-02 09:00 as Excel stores it; 2958466 is the day after 9999-12-31.
        var file = Xlsx([
            Row($"{prefix}-ok", instrument, "46083.375", "46083.5", "2.5"),
            Row($"{prefix}-far", instrument, "2958466", "46083.5", "2.5"),
        ], new HashSet<string> { "C2", "D2", "C3", "D3" });

        var report = await ImportAsync(client, file, "dates.xlsx");

        Assert.Equal("completed", report["status"]!.GetValue<string>());
        Assert.Equal(1, report["accepted"]!.GetValue<int>());
        var rejected = report["rejected"]!.AsArray().Select(r => (Row: r!["row"]!.GetValue<int>(), Column: r["column"]?.GetValue<string>())).ToList();
        Assert.Contains((3, "开始时间"), rejected);
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.FromHours(8)).UtcDateTime,
            await node.ScalarAsync<DateTime>($"SELECT started_at FROM service_records WHERE external_id = '{prefix}-ok'"));
    }

    [Fact]
    public async Task A_row_for_another_units_instrument_is_rejected_and_nothing_of_either_unit_changes()
    {
        var ((a, _), (b, instrumentOfB)) = await UnitsAsync(node);
        var client = await ClientAsync("records.write", a);
        const string counts = "SELECT unit_id, COUNT(*), MAX(updated_at) FROM service_records GROUP BY unit_id ORDER BY unit_id";
        var before = await node.RowsAsync(counts);
        var externalId = $"X-{Guid.NewGuid():N}";

        var report = await ImportAsync(client, Encoding.UTF8.GetBytes(Csv([Row(externalId, instrumentOfB)])), "other.csv");

        Assert.Equal(0, report["accepted"]!.GetValue<int>());
        var rejected = Assert.Single(report["rejected"]!.AsArray())!;
        Assert.Equal(2, rejected["row"]!.GetValue<int>());
        Assert.Equal("仪器资产编号", rejected["column"]!.GetValue<string>());
        Assert.Equal(before.Select(r => string.Join('|', r)), (await node.RowsAsync(counts)).Select(r => string.Join('|', r)));
        Assert.Equal(0L, await node.ScalarAsync<long>($"SELECT COUNT(*) FROM service_records WHERE external_id = '{externalId}'"));

        // A unitId column naming the other unit is refused too.
        var withUnit = "记录编号,仪器资产编号,开始时间,结束时间,机时(小时),用户姓名,用户单位,校外用户,服务费(元),支付方式,单位信用代码\r\n"
            + $"{externalId},{instrumentOfB},2026-03-02 09:00,2026-03-02 10:00,1,王五,某公司,是,10,现金,{b}\r\n";
        var report2 = await ImportAsync(client, Encoding.UTF8.GetBytes(withUnit), "unit.csv");
        Assert.Contains(report2["rejected"]!.AsArray(), r => r!["column"]?.GetValue<string>() == "单位信用代码");
        Assert.Equal(0L, await node.ScalarAsync<long>($"SELECT COUNT(*) FROM service_records WHERE external_id = '{externalId}'"));
    }

    [Fact]
    public async Task Another_units_import_is_not_found()
    {
        var ((a, instrument), (b, _)) = await UnitsAsync(node);
        var clientA = await ClientAsync("records.write", a);
        var clientB = await ClientAsync("records.write", b);
        using var response = await UploadAsync(clientA, Encoding.UTF8.GetBytes(Csv([Row($"N-{Guid.NewGuid():N}", instrument)])), "a.csv");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var url = response.Headers.Location!.ToString();

        using var other = await clientB.GetAsync(url);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal("application/problem+json", other.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.OK, (await clientA.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await clientA.GetAsync($"/api/v1/imports/{Guid.NewGuid()}")).StatusCode);
        // Finished before the next test of the class: its row landing later would change that test's counts.
        Assert.Equal("completed", (await FinishedAsync(clientA, url))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Without_a_token_401_without_the_scope_403()
    {
        var ((a, instrument), _) = await UnitsAsync(node);
        var csv = Encoding.UTF8.GetBytes(Csv([Row($"S-{Guid.NewGuid():N}", instrument)]));

        Assert.Equal(HttpStatusCode.Unauthorized, (await UploadAsync(_http, csv, "a.csv")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _http.GetAsync($"/api/v1/imports/{Guid.NewGuid()}")).StatusCode);
        var reader = await ClientAsync("records.read", a);
        Assert.Equal(HttpStatusCode.Forbidden, (await UploadAsync(reader, csv, "a.csv")).StatusCode);
        var catalog = await ClientAsync("catalog.write", a);
        using var forbidden = await UploadAsync(catalog, csv, "a.csv");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Contains("records.write", await forbidden.Content.ReadAsStringAsync());
        var admin = await ClientAsync("admin", null);
        Assert.Equal(HttpStatusCode.Forbidden, (await UploadAsync(admin, csv, "a.csv")).StatusCode);
    }

    [Fact]
    public async Task Bad_files_are_400_or_422_problems_naming_what_is_wrong()
    {
        var ((a, _), _) = await UnitsAsync(node);
        var client = await ClientAsync("records.write", a);
        var garbage = new byte[4096];
        new Random(7).NextBytes(garbage);

        async Task<(HttpStatusCode Status, string Detail)> Upload(byte[] content, string name, string kind = "service-records")
        {
            using var response = await UploadAsync(client, content, name, kind);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Equal("urn:dxyq:problem:validation", body["type"]!.GetValue<string>());
            return (response.StatusCode, body["detail"]!.GetValue<string>());
        }

        var (status, detail) = await Upload(garbage, "random.bin");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("CSV", detail);
        (status, detail) = await Upload([.. "PK\x03\x04"u8, .. garbage], "broken.xlsx");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("XLSX", detail);
        (status, _) = await Upload([], "empty.csv");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        (status, _) = await Upload(Encoding.UTF8.GetBytes("\r\n\r\n"), "blank.csv");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        (status, detail) = await Upload(Encoding.UTF8.GetBytes("hello,world\r\n1,2\r\n"), "other.csv");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("header", detail);
        (status, detail) = await Upload(Encoding.UTF8.GetBytes(Csv([]).Replace("样品数", "颜色", StringComparison.Ordinal)), "unknown.csv");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Contains("颜色", detail);
        (status, detail) = await Upload(Encoding.UTF8.GetBytes(Csv([]).Replace("用户姓名,", "", StringComparison.Ordinal)), "missing.csv");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Contains("用户姓名", detail);
        (status, detail) = await Upload(Encoding.UTF8.GetBytes(Csv([])), "a.csv", "widgets");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("kind", detail);

        // Not multipart at all: the file as the body, under every media type a client might send it with.
        foreach (var mediaType in new[] { "text/csv", DxyqOpenData.Api.Imports.ImportsApi.XlsxMediaType, "application/json", "application/octet-stream" })
        {
            using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Csv([])));
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(mediaType);
            using var response = await client.PostAsync("/api/v1/imports", content);
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{mediaType}: {(int)response.StatusCode} {body}");
            Assert.Equal("urn:dxyq:problem:validation", body["type"]!.GetValue<string>());
            Assert.Contains("multipart/form-data", body["detail"]!.GetValue<string>());
        }
    }
}

public sealed class SqliteImportsTests(SqliteNode node) : ImportsTests(node), IClassFixture<SqliteNode>;

public sealed class PostgreSqlImportsTests(PostgreSqlNode node) : ImportsTests(node), IClassFixture<PostgreSqlNode>;
