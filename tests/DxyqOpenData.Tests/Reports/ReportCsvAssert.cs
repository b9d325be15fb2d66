using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.VisualBasic.FileIO;

namespace DxyqOpenData.Tests.Reports;

/// <summary>
/// Checks a report's CSV against its JSON: the CSV read by an independent parser (<see cref="TextFieldParser"/>), never
/// the node's writer; UTF-8 with BOM, CRLF, Chinese headers; row by row and cell by cell the value the JSON holds at the
/// path the layout file (api/Data/Reference/report-csv.json) gives for that header; and every property of every JSON row
/// and of the report itself present in some column, so a new field left out of the CSV fails here.
/// </summary>
public static class ReportCsvAssert
{
    private static readonly JsonObject Layouts = JsonNode.Parse(File.ReadAllText(
        Path.Combine(AppContext.BaseDirectory, "Data", "Reference", "report-csv.json")))!["reports"]!.AsObject();

    /// <summary>GETs <paramref name="url"/> as JSON and as CSV (<c>format=csv</c> or <c>Accept: text/csv</c>) and compares them; returns the parsed CSV.</summary>
    public static async Task<List<string[]>> SameAsJsonAsync(HttpClient client, string url, string layout, bool byAccept = false)
    {
        var jsonResponse = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, jsonResponse.StatusCode);
        Assert.Equal("application/json", jsonResponse.Content.Headers.ContentType!.MediaType);
        var json = JsonNode.Parse(await jsonResponse.Content.ReadAsStringAsync())!.AsObject();

        using var request = new HttpRequestMessage(HttpMethod.Get, byAccept ? url : url + (url.Contains('?') ? "&" : "?") + "format=csv");
        if (byAccept)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        }
        var csvResponse = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, csvResponse.StatusCode);
        Assert.Equal("text/csv", csvResponse.Content.Headers.ContentType!.MediaType);
        Assert.Equal("utf-8", csvResponse.Content.Headers.ContentType.CharSet);
        Assert.EndsWith(".csv", csvResponse.Content.Headers.ContentDisposition!.FileName!.Trim('"'), StringComparison.Ordinal);
        var bytes = await csvResponse.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var rows = Parse(bytes);
        Compare(rows, json, Layouts[layout]!.AsObject());
        return rows;
    }

    public static List<string[]> Parse(byte[] bytes)
    {
        var text = new UTF8Encoding(false, true).GetString(bytes, 3, bytes.Length - 3);
        // Every line ends CRLF (no field of these reports holds a line break).
        Assert.DoesNotContain('\n', text.Replace("\r\n", "", StringComparison.Ordinal));
        Assert.EndsWith("\r\n", text, StringComparison.Ordinal);
        using var parser = new TextFieldParser(new StringReader(text)) { HasFieldsEnclosedInQuotes = true, TrimWhiteSpace = false };
        parser.SetDelimiters(",");
        var rows = new List<string[]>();
        while (!parser.EndOfData)
        {
            rows.Add(parser.ReadFields()!);
        }
        return rows;
    }

    private static void Compare(List<string[]> rows, JsonObject report, JsonObject layout)
    {
        var header = rows[0];
        Assert.All(header, h => Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", h));
        Assert.Equal(header.Length, header.Distinct().Count());
        Assert.All(rows, r => Assert.Equal(header.Length, r.Length));
        var sets = layout["sets"]!.AsArray().Select(s => s!.AsObject()).ToList();
        var reportColumns = Columns(layout["report"]!);
        Covered(report, reportColumns, sets.Select(s => s["path"]!.GetValue<string>()).ToHashSet(), "");

        var line = 1;
        foreach (var set in sets)
        {
            var columns = Columns(set["columns"]!);
            var rowsOfSet = At(report, set["path"]!.GetValue<string>()) switch
            {
                JsonArray array => array.ToList(),
                JsonObject one => [one],
                _ => [],
            };
            foreach (var item in rowsOfSet)
            {
                Assert.True(line < rows.Count, $"the CSV has fewer rows than the JSON ({set["path"]})");
                var row = rows[line++];
                var expected = new Dictionary<string, (JsonNode? Value, string Path)>();
                foreach (var (path, title) in columns)
                {
                    expected[title] = (At(item, path), path);
                }
                foreach (var (path, title) in reportColumns)
                {
                    expected[title] = (At(report, path), path);
                }
                Covered(item!.AsObject(), columns, [], "");
                for (var c = 0; c < header.Length; c++)
                {
                    if (header[c] == "明细" && sets.Count > 1)
                    {
                        Assert.Equal(set["label"]!.GetValue<string>(), row[c]);
                    }
                    else if (expected.TryGetValue(header[c], out var e))
                    {
                        Cell(e.Value, row[c], $"row {line - 1}, {header[c]} ({e.Path})");
                    }
                    else
                    {
                        Assert.True(row[c] == "", $"row {line - 1}, {header[c]}: not a column of {set["path"]}, yet '{row[c]}'");
                    }
                }
            }
        }
        Assert.Equal(line, rows.Count);
    }

    /// <summary>One cell against the JSON value: text as is, numbers by value, arrays of values joined with ';', objects as JSON.</summary>
    private static void Cell(JsonNode? value, string cell, string where)
    {
        switch (value)
        {
            case null:
                Assert.True(cell == "", $"{where}: JSON null, CSV '{cell}'");
                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                Assert.True(v.GetValue<string>() == cell, $"{where}: JSON '{v}', CSV '{cell}'");
                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.Number:
                Assert.True(decimal.Parse(cell, NumberStyles.Float, CultureInfo.InvariantCulture) == v.GetValue<decimal>(), $"{where}: JSON {v}, CSV '{cell}'");
                break;
            case JsonValue v:
                Assert.True(v.GetValue<bool>().ToString().ToLowerInvariant() == cell, $"{where}: JSON {v}, CSV '{cell}'");
                break;
            case JsonArray a when a.All(x => x is JsonValue):
                Assert.True(string.Join(';', a.Select(x => x!.ToString())) == cell, $"{where}: JSON {a.ToJsonString()}, CSV '{cell}'");
                break;
            default:
                Assert.True(JsonNode.DeepEquals(value, JsonNode.Parse(cell)), $"{where}: JSON {value.ToJsonString()}, CSV '{cell}'");
                break;
        }
    }

    /// <summary>Each property is a column, or an object whose properties are (the set arrays aside).</summary>
    private static void Covered(JsonObject node, List<(string Path, string Title)> columns, HashSet<string> sets, string prefix)
    {
        foreach (var (name, value) in node)
        {
            var path = prefix + name;
            if (sets.Contains(path) || columns.Any(c => c.Path == path))
            {
                continue;
            }
            Assert.True(value is JsonObject, $"'{path}' of the JSON is in no CSV column");
            Covered(value!.AsObject(), columns, sets, path + ".");
        }
    }

    private static JsonNode? At(JsonNode? node, string path)
    {
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject o ? o[part] : null;
        }
        return node;
    }

    private static List<(string Path, string Title)> Columns(JsonNode columns) =>
        columns.AsObject().Select(c => (c.Key, c.Value!.GetValue<string>())).ToList();
}
