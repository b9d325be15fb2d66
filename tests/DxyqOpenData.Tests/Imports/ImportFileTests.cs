using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Imports;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;

namespace DxyqOpenData.Tests.Imports;

/// <summary>Reading files and cells without a node, and the size and row limits on one.</summary>
public sealed class ImportFileTests
{
    static ImportFileTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    [Fact]
    public void Csv_quoted_fields_keep_commas_quotes_and_line_breaks_and_rows_keep_their_spreadsheet_numbers()
    {
        var file = ImportFile.Read(Encoding.UTF8.GetBytes("a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n\r\n\"two\nlines\",z\n1,2"), "t.csv", 100);
        Assert.Equal(["a", "b"], file.Header);
        Assert.Equal([2, 4, 6], file.Rows.Select(r => r.Number));
        Assert.Equal(["x, y", "say \"hi\""], file.Rows[0].Cells);
        Assert.Equal(["two\nlines", "z"], file.Rows[1].Cells);
    }

    [Fact]
    public void Encodings_are_detected_utf8_first_then_gb18030()
    {
        const string text = "记录编号,用户姓名\r\nR-1,李明\r\n";
        Assert.Equal("csv-utf8", ImportFile.SniffFormat(Encoding.UTF8.GetBytes(text), "a.csv"));
        Assert.Equal("csv-gb18030", ImportFile.SniffFormat(Encoding.GetEncoding("GB18030").GetBytes(text), "a.csv"));
        Assert.Equal("李明", ImportFile.Read(Encoding.GetEncoding("GB18030").GetBytes(text), "a.csv", 10).Rows[0].Cells[1]);
        Assert.Equal("xlsx", ImportFile.SniffFormat("PK\x03\x04"u8, "a.bin"));
    }

    [Theory]
    [InlineData("dateTime", "2026-03-02 09:00", "2026-03-02T09:00:00+08:00")]
    [InlineData("dateTime", "2026/3/2 9:05:30", "2026-03-02T09:05:30+08:00")]
    [InlineData("dateTime", "2026-03-02T01:00:00Z", "2026-03-02T01:00:00+00:00")]
    [InlineData("date", "2026年3月2日", "2026-03-02")]
    [InlineData("boolean", "是", "true")]
    [InlineData("number", "¥1,500.50", "1500.50")]
    public void Cells_become_json(string type, string cell, string expected)
    {
        var (value, error) = RowMapper.Convert(new TemplateColumn("h", "f", type), cell);
        Assert.Null(error);
        Assert.Equal(expected, value!.GetValueKind() == System.Text.Json.JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString());
    }

    [Fact]
    public void Every_template_column_names_a_field_of_its_schema()
    {
        foreach (var template in ImportTemplates.All.Values)
        {
            var schema = DxyqOpenData.Schemas.SchemaRegistry.Default.Find(template.Schema, 1)!;
            using var json = System.Text.Json.JsonDocument.Parse(schema.Content);
            var properties = json.RootElement.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToHashSet();
            Assert.Equal(properties.Order(), template.Columns.Select(c => c.Field).Order());
            Assert.Equal(template.Columns.Count, template.Columns.Select(c => c.Header).Distinct().Count());
        }
    }

    [Fact]
    public async Task Files_over_the_size_or_row_limit_are_refused()
    {
        using var node = new NodeFactory(DatabaseProvider.Sqlite, new Dictionary<string, string?> { ["Imports:MaxBytes"] = "2000", ["Imports:MaxRows"] = "2" });
        var http = node.CreateClient();
        var ((unit, instrument), _) = await ImportsTests.UnitsAsync(node);
        var client = node.WithToken(await http.TokenAsync(await node.AddClientAsync("records.write", unit)));

        using var tooMany = await ImportsTests.UploadAsync(client, Encoding.UTF8.GetBytes(ImportsTests.Csv(
            [ImportsTests.Row("L-1", instrument), ImportsTests.Row("L-2", instrument), ImportsTests.Row("L-3", instrument)])), "a.csv");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooMany.StatusCode);
        Assert.Contains("at most 2", JsonNode.Parse(await tooMany.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>());

        using var tooBig = await ImportsTests.UploadAsync(client, Encoding.UTF8.GetBytes(ImportsTests.Csv([ImportsTests.Row("L-1", instrument, user: new string('李', 1000))])), "a.csv");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);
        Assert.Equal(0L, await node.ScalarAsync<long>("SELECT COUNT(*) FROM imports"));
    }
}
