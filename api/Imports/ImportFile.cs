using System.Globalization;
using System.IO.Compression;
using System.Text;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace DxyqOpenData.Api.Imports;

/// <summary>
/// An uploaded file read as a table: XLSX (sniffed by its ZIP signature or the .xlsx name) or CSV in UTF-8 (with or
/// without BOM) or GB18030 (when the bytes are not valid UTF-8). Row 1 is the header.
/// </summary>
public sealed record ImportFile(string Format, IReadOnlyList<string> Header, IReadOnlyList<SheetRow> Rows)
{
    static ImportFile() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public static string SniffFormat(ReadOnlySpan<byte> content, string? fileName)
    {
        if (content.StartsWith("PK\x03\x04"u8) || fileName?.EndsWith(".xlsx", StringComparison.OrdinalIgnoreCase) == true)
        {
            return "xlsx";
        }
        var utf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);
        try
        {
            utf8.GetCharCount(content);
            return "csv-utf8";
        }
        catch (DecoderFallbackException)
        {
            return "csv-gb18030";
        }
    }

    public static ImportFile Read(byte[] content, string? fileName, int maxRows)
    {
        if (content.Length == 0)
        {
            throw new ImportFileException(400, "the file is empty");
        }
        var format = SniffFormat(content, fileName);
        var table = format == "xlsx" ? ReadXlsx(content) : ReadCsv(Decode(content, format));
        var first = table.FindIndex(r => r.Cells.Any(c => c.Length > 0));
        if (first < 0)
        {
            throw new ImportFileException(400, "the file has no header row");
        }
        if (first != 0)
        {
            throw new ImportFileException(422, $"row 1 must be the header row; the first non-empty row is row {table[first].Number}");
        }
        var header = table[0].Cells.Select(c => c.Trim()).ToList();
        while (header.Count > 0 && header[^1].Length == 0)
        {
            header.RemoveAt(header.Count - 1);
        }
        var rows = table.Skip(1).Where(r => r.Cells.Any(c => c.Trim().Length > 0)).ToList();
        if (rows.Count > maxRows)
        {
            throw new ImportFileException(422, $"the file has {rows.Count} rows; at most {maxRows} are accepted in one import (split the file)");
        }
        return new ImportFile(format, header, rows);
    }

    private static string Decode(byte[] content, string format)
    {
        var text = format == "csv-utf8" ? new UTF8Encoding(false).GetString(content) : Encoding.GetEncoding("GB18030").GetString(content);
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }
        // A text table has no control characters besides tab and line breaks: anything else is a binary file.
        if (text.Any(c => char.IsControl(c) && c is not ('\r' or '\n' or '\t')))
        {
            throw new ImportFileException(400, "the file is neither CSV (UTF-8 or GB18030 text) nor XLSX");
        }
        return text;
    }

    /// <summary>RFC 4180: comma separated, fields in double quotes may hold commas, quotes ("") and line breaks.</summary>
    internal static List<SheetRow> ReadCsv(string text)
    {
        var rows = new List<SheetRow>();
        var cells = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var number = 1;
        var rowStart = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                    else { quoted = false; }
                }
                else
                {
                    if (c == '\n') { number++; }
                    field.Append(c);
                }
            }
            else if (c == '"' && field.Length == 0)
            {
                quoted = true;
            }
            else if (c == ',')
            {
                cells.Add(field.ToString());
                field.Clear();
            }
            else if (c is '\r' or '\n')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') { i++; }
                cells.Add(field.ToString());
                field.Clear();
                rows.Add(new SheetRow(rowStart, cells));
                cells = [];
                number++;
                rowStart = number;
            }
            else
            {
                field.Append(c);
            }
        }
        if (quoted)
        {
            throw new ImportFileException(400, $"row {rowStart}: a quoted field is not closed");
        }
        if (field.Length > 0 || cells.Count > 0)
        {
            cells.Add(field.ToString());
            rows.Add(new SheetRow(rowStart, cells));
        }
        return rows;
    }

    /// <summary>The first worksheet; row numbers are the sheet's own (<c>r</c>), cells placed by their reference.</summary>
    private static List<SheetRow> ReadXlsx(byte[] content)
    {
        try
        {
            using var memory = new MemoryStream(content, writable: false);
            using var document = SpreadsheetDocument.Open(memory, false);
            var workbook = document.WorkbookPart ?? throw new ImportFileException(400, "the XLSX file has no workbook");
            var sheet = workbook.Workbook?.Sheets?.Elements<Sheet>().FirstOrDefault() ?? throw new ImportFileException(400, "the XLSX file has no worksheet");
            var part = (WorksheetPart)workbook.GetPartById(sheet.Id!.Value!);
            var shared = workbook.SharedStringTablePart?.SharedStringTable?.Elements<SharedStringItem>().Select(s => s.InnerText).ToList() ?? [];
            var dateStyles = DateStyles(workbook);
            var rows = new List<SheetRow>();
            var next = 1;
            foreach (var row in part.Worksheet?.Descendants<Row>() ?? [])
            {
                var number = (int?)row.RowIndex?.Value ?? next;
                next = number + 1;
                var cells = new List<string>();
                var position = 0;
                foreach (var cell in row.Elements<Cell>())
                {
                    if (cell.CellReference?.Value is { } reference)
                    {
                        position = ColumnIndex(reference);
                    }
                    while (cells.Count < position) { cells.Add(""); }
                    cells.Add(CellText(cell, shared, dateStyles));
                    position++;
                }
                rows.Add(new SheetRow(number, cells));
            }
            return rows;
        }
        catch (ImportFileException)
        {
            throw;
        }
        catch (Exception e) when (e is OpenXmlPackageException or InvalidDataException or IOException or FormatException
            or InvalidOperationException or ArgumentException or System.Xml.XmlException or InvalidCastException or KeyNotFoundException)
        {
            throw new ImportFileException(400, "the file is not a readable XLSX workbook (broken or not Office Open XML)");
        }
    }

    private static string CellText(Cell cell, List<string> shared, HashSet<uint> dateStyles)
    {
        var value = cell.CellValue?.Text ?? "";
        if (cell.DataType?.Value == CellValues.SharedString)
        {
            return int.TryParse(value, out var i) && i >= 0 && i < shared.Count ? shared[i] : "";
        }
        if (cell.DataType?.Value == CellValues.InlineString)
        {
            return cell.InlineString?.InnerText ?? "";
        }
        if (cell.DataType?.Value == CellValues.Boolean)
        {
            return value == "1" ? "true" : "false";
        }
        // A number in a date format is an OLE Automation date: written back as local time text.
        if (cell.StyleIndex?.Value is { } style && dateStyles.Contains(style)
            && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var serial)
            // Excel's own range of dates (0100-01-01 to 9999-12-31); outside it (or NaN) the number is left as it is,
            // and the row is refused for its column, not the whole workbook.
            && serial is > -657435.0 and < 2958466.0)
        {
            var date = DateTime.FromOADate(serial);
            return date.TimeOfDay == TimeSpan.Zero ? date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : date.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        }
        return value;
    }

    private static HashSet<uint> DateStyles(WorkbookPart workbook)
    {
        var result = new HashSet<uint>();
        var stylesheet = workbook.WorkbookStylesPart?.Stylesheet;
        if (stylesheet?.CellFormats is null)
        {
            return result;
        }
        var custom = stylesheet.NumberingFormats?.Elements<NumberingFormat>()
            .Where(f => f.NumberFormatId?.Value is not null)
            .ToDictionary(f => f.NumberFormatId!.Value, f => f.FormatCode?.Value ?? "") ?? [];
        uint index = 0;
        foreach (var format in stylesheet.CellFormats.Elements<CellFormat>())
        {
            var id = format.NumberFormatId?.Value ?? 0;
            var isDate = id is >= 14 and <= 22 or >= 45 and <= 47
                || (custom.TryGetValue(id, out var code) && code.Replace("\"", "", StringComparison.Ordinal).IndexOfAny(['y', 'd', 'h']) >= 0);
            if (isDate) { result.Add(index); }
            index++;
        }
        return result;
    }

    private static int ColumnIndex(string reference)
    {
        var index = 0;
        foreach (var c in reference.TakeWhile(char.IsLetter))
        {
            index = index * 26 + (char.ToUpperInvariant(c) - 'A' + 1);
        }
        return Math.Max(index - 1, 0);
    }
}
