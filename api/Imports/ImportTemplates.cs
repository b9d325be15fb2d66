using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace DxyqOpenData.Api.Imports;

/// <summary>One column of a fixed format: its Chinese header, the schema field it fills, how a cell becomes JSON.</summary>
public sealed record TemplateColumn(
    string Header,
    string Field,
    string Type,
    IReadOnlyDictionary<string, string>? Values = null,
    string? Example = null);

/// <summary>The fixed format of one kind: the shared schema its rows are documents of, and its columns in order.</summary>
public sealed record ImportTemplate(string Kind, string Schema, IReadOnlyList<TemplateColumn> Columns)
{
    public TemplateColumn? ByHeader(string header) => Columns.FirstOrDefault(c => c.Header == header);

    public TemplateColumn? ByField(string field) => Columns.FirstOrDefault(c => c.Field == field);
}

/// <summary>
/// The templates of <c>api/Imports/templates.json</c> (embedded): header ↔ field is data, not code. Also renders the
/// downloadable template files (CSV UTF-8 with BOM, XLSX with a header and an example row).
/// </summary>
public static class ImportTemplates
{
    public static readonly IReadOnlyDictionary<string, ImportTemplate> All = Load();

    public static IEnumerable<string> Kinds => All.Keys;

    public static ImportTemplate? Find(string? kind) => kind is not null && All.TryGetValue(kind, out var t) ? t : null;

    private sealed record FileModel(Dictionary<string, KindModel> Kinds);

    private sealed record KindModel(string Schema, List<TemplateColumn> Columns);

    private static Dictionary<string, ImportTemplate> Load()
    {
        using var stream = typeof(ImportTemplates).Assembly.GetManifestResourceStream("DxyqOpenData.Api.Imports.templates.json")
            ?? throw new InvalidOperationException("templates.json is not embedded");
        var model = JsonSerializer.Deserialize<FileModel>(stream, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase })!;
        return model.Kinds.ToDictionary(k => k.Key, k => new ImportTemplate(k.Key, k.Value.Schema, k.Value.Columns), StringComparer.Ordinal);
    }

    /// <summary>The CSV template: UTF-8 with BOM (Excel opens it as UTF-8), the header row and the example row.</summary>
    public static byte[] Csv(ImportTemplate template)
    {
        var text = new StringBuilder();
        text.AppendJoin(',', template.Columns.Select(c => CsvField(c.Header))).Append("\r\n");
        text.AppendJoin(',', template.Columns.Select(c => CsvField(c.Example ?? ""))).Append("\r\n");
        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(text.ToString())];
    }

    internal static string CsvField(string value) =>
        value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;

    /// <summary>The XLSX template: one sheet named after the kind, the header row and the example row, all cells text.</summary>
    public static byte[] Xlsx(ImportTemplate template)
    {
        using var memory = new MemoryStream();
        using (var document = SpreadsheetDocument.Create(memory, SpreadsheetDocumentType.Workbook))
        {
            var workbook = document.AddWorkbookPart();
            workbook.Workbook = new Workbook();
            var sheetPart = workbook.AddNewPart<WorksheetPart>();
            var data = new SheetData(
                TextRow(1, template.Columns.Select(c => c.Header)),
                TextRow(2, template.Columns.Select(c => c.Example ?? "")));
            sheetPart.Worksheet = new Worksheet(data);
            workbook.Workbook.AppendChild(new Sheets(new Sheet { Id = workbook.GetIdOfPart(sheetPart), SheetId = 1, Name = template.Kind }));
            workbook.Workbook.Save();
        }
        return memory.ToArray();
    }

    internal static Row TextRow(uint index, IEnumerable<string> values) =>
        new(values.Select((v, i) => new Cell
        {
            CellReference = $"{ColumnName(i)}{index}",
            DataType = CellValues.InlineString,
            InlineString = new InlineString(new Text(v) { Space = SpaceProcessingModeValues.Preserve }),
        }))
        { RowIndex = index };

    public static string ColumnName(int index)
    {
        var name = "";
        for (var n = index + 1; n > 0; n = (n - 1) / 26)
        {
            name = (char)('A' + (n - 1) % 26) + name;
        }
        return name;
    }
}
