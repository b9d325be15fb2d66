using System.Text.Json;
using DxyqOpenData.Api.Operations;

namespace DxyqOpenData.Api.Reports;

/// <summary>One array of a report's JSON answer (or one object, a single row) that gives CSV rows, and its columns (JSON path → Chinese header).</summary>
public sealed record ReportCsvSet(string Path, string? Label, IReadOnlyList<KeyValuePair<string, string>> Columns);

/// <summary>
/// How one report is written as CSV (docs/reports.md "CSV"; the layouts are data: <c>Data/Reference/report-csv.json</c>):
/// its row sets, and its own properties (period, rules, computed-at) repeated as the last columns of every row, so the
/// file is one rectangular table that Excel and any CSV reader take as it is.
/// </summary>
public sealed record ReportCsvLayout(string Name, string File, IReadOnlyList<ReportCsvSet> Sets, IReadOnlyList<KeyValuePair<string, string>> Report)
{
    /// <summary>The first column when a report has more than one row set: which set the row comes from.</summary>
    public const string SetHeader = "明细";

    private static readonly Lazy<IReadOnlyDictionary<string, ReportCsvLayout>> All =
        new(() => Load(Path.Combine(AppContext.BaseDirectory, "Data", "Reference", "report-csv.json")));

    public static ReportCsvLayout For(string report) =>
        All.Value.TryGetValue(report, out var layout) ? layout : throw new InvalidOperationException($"report-csv.json has no layout '{report}'.");

    public static IReadOnlyDictionary<string, ReportCsvLayout> Load(string path)
    {
        using var document = JsonDocument.Parse(System.IO.File.ReadAllBytes(path));
        return document.RootElement.GetProperty("reports").EnumerateObject().ToDictionary(r => r.Name, r => new ReportCsvLayout(r.Name,
            r.Value.GetProperty("file").GetString()!,
            r.Value.GetProperty("sets").EnumerateArray().Select(s => new ReportCsvSet(s.GetProperty("path").GetString()!,
                s.TryGetProperty("label", out var label) ? label.GetString() : null, Pairs(s.GetProperty("columns")))).ToList(),
            Pairs(r.Value.GetProperty("report"))), StringComparer.Ordinal);
    }

    /// <summary>The header: the set column (several sets), the sets' headers in order of first use, then the report's.</summary>
    public IReadOnlyList<string> Header =>
        [.. Sets.Count > 1 ? [SetHeader] : Array.Empty<string>(), .. Sets.SelectMany(s => s.Columns.Select(c => c.Value)).Distinct(), .. Report.Select(c => c.Value)];

    /// <summary>The rows of a report's JSON form, each cell <see cref="CsvTable.Cell"/> of the value at its path.</summary>
    public IEnumerable<IReadOnlyList<string>> Rows(JsonElement report)
    {
        var header = Header;
        var shared = Report.Select(c => Value(report, c.Key)).ToList();
        foreach (var set in Sets)
        {
            // An array gives a row per item, an object (a total) one row.
            var items = Value(report, set.Path) switch
            {
                { ValueKind: JsonValueKind.Array } array => array.EnumerateArray().ToList(),
                { ValueKind: JsonValueKind.Object } one => [one],
                _ => [],
            };
            foreach (var item in items)
            {
                var row = new string[header.Count];
                Array.Fill(row, "");
                if (Sets.Count > 1)
                {
                    row[0] = set.Label ?? set.Path;
                }
                foreach (var (path, title) in set.Columns)
                {
                    row[IndexOf(header, title)] = Value(item, path) is { } v ? CsvTable.Cell(v) : "";
                }
                for (var i = 0; i < Report.Count; i++)
                {
                    row[header.Count - Report.Count + i] = shared[i] is { } v ? CsvTable.Cell(v) : "";
                }
                yield return row;
            }
        }
    }

    private static int IndexOf(IReadOnlyList<string> header, string title)
    {
        for (var i = 0; i < header.Count; i++)
        {
            if (header[i] == title)
            {
                return i;
            }
        }
        throw new InvalidOperationException($"No column {title}.");
    }

    /// <summary>The value at a dotted path (JSON names, case as written), or null where the path ends early.</summary>
    private static JsonElement? Value(JsonElement element, string path)
    {
        foreach (var part in path.Split('.'))
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(part, out element))
            {
                return null;
            }
        }
        return element;
    }

    private static List<KeyValuePair<string, string>> Pairs(JsonElement columns) =>
        columns.EnumerateObject().Select(c => KeyValuePair.Create(c.Name, c.Value.GetString()!)).ToList();
}
