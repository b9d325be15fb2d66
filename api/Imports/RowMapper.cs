using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DxyqOpenData.Schemas;

namespace DxyqOpenData.Api.Imports;

/// <summary>
/// Turns the rows of a fixed-format file into the JSON documents the push API takes, and checks each against the shared
/// schema. Errors name the spreadsheet row and the Chinese column header.
/// </summary>
public sealed class RowMapper
{
    /// <summary>Times without an offset are Beijing time, as a Zhejiang unit writes them.</summary>
    public static readonly TimeSpan LocalOffset = TimeSpan.FromHours(8);

    private readonly ImportTemplate _template;
    private readonly DocumentSchema _schema;
    private readonly TemplateColumn?[] _columns;

    private RowMapper(ImportTemplate template, TemplateColumn?[] columns)
    {
        _template = template;
        _columns = columns;
        _schema = SchemaRegistry.Default.Find(template.Schema, 1) ?? throw new InvalidOperationException($"no schema {template.Schema}/v1");
    }

    public ImportTemplate Template => _template;

    /// <summary>
    /// Binds the header row to the template: every header must be one of the kind's, none twice, and every field the
    /// schema requires must have its column. Otherwise a 422 naming the header.
    /// </summary>
    public static RowMapper ForHeader(ImportTemplate template, IReadOnlyList<string> header)
    {
        var columns = new TemplateColumn?[header.Count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var unknown = new List<string>();
        for (var i = 0; i < header.Count; i++)
        {
            var name = header[i];
            if (name.Length == 0)
            {
                continue;
            }
            if (template.ByHeader(name) is not { } column)
            {
                unknown.Add(name);
                continue;
            }
            if (!seen.Add(name))
            {
                throw new ImportFileException(422, $"column '{name}' appears twice in the header row");
            }
            columns[i] = column;
        }
        if (seen.Count == 0)
        {
            throw new ImportFileException(400, $"row 1 is not a header row of the {template.Kind} template (expected headers such as {string.Join("、", template.Columns.Take(3).Select(c => c.Header))}; download GET /api/v1/imports/templates/{template.Kind}.csv)");
        }
        if (unknown.Count > 0)
        {
            throw new ImportFileException(422, $"unknown column header(s) {string.Join("、", unknown.Select(u => $"'{u}'"))} for {template.Kind} (the template's headers: {string.Join("、", template.Columns.Select(c => c.Header))})");
        }
        var schema = SchemaRegistry.Default.Find(template.Schema, 1)!;
        var missing = RequiredFields(schema).Select(template.ByField).OfType<TemplateColumn>().Where(c => !seen.Contains(c.Header)).ToList();
        if (missing.Count > 0)
        {
            throw new ImportFileException(422, $"required column(s) missing: {string.Join("、", missing.Select(c => $"'{c.Header}'"))}");
        }
        return new RowMapper(template, columns);
    }

    private static IEnumerable<string> RequiredFields(DocumentSchema schema)
    {
        using var json = JsonDocument.Parse(schema.Content);
        return json.RootElement.TryGetProperty("required", out var required) ? [.. required.EnumerateArray().Select(r => r.GetString()!)] : [];
    }

    /// <summary>The row as a document, or the reasons it is not one (cell conversions first, then the schema).</summary>
    public (JsonObject? Document, List<RejectedRow> Errors) Map(SheetRow row)
    {
        var document = new JsonObject();
        var errors = new List<RejectedRow>();
        for (var i = 0; i < _columns.Length; i++)
        {
            if (_columns[i] is not { } column)
            {
                continue;
            }
            var text = i < row.Cells.Count ? row.Cells[i].Trim() : "";
            if (text.Length == 0)
            {
                continue;
            }
            var (value, error) = Convert(column, text);
            if (error is not null)
            {
                errors.Add(new RejectedRow(row.Number, column.Header, error));
            }
            else
            {
                document[column.Field] = value;
            }
        }
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        var element = JsonSerializer.SerializeToElement(document);
        foreach (var error in _schema.Validate(element))
        {
            errors.Add(Describe(row.Number, error));
        }
        return errors.Count > 0 ? (null, errors) : (document, errors);
    }

    /// <summary>A schema error in spreadsheet terms: the column of the field its JSON Pointer names.</summary>
    public RejectedRow Describe(int row, SchemaError error)
    {
        var field = error.Path.TrimStart('/').Split('/')[0];
        var column = field.Length > 0 ? _template.ByField(field) : null;
        var reason = error.Kind switch
        {
            "required" => "必填 / required",
            "additionalProperties" => "not allowed in this document",
            "anyOf" when _template.Kind == "service-records" => "支付方式为创新券时须填写创新券编号和创新券抵扣(元) / a voucher payment needs the voucher number and amount",
            _ => error.Message,
        };
        return new RejectedRow(row, column?.Header, reason);
    }

    /// <summary>A column header for a schema field (for errors found after mapping).</summary>
    public string? HeaderOf(string field) => _template.ByField(field)?.Header;

    internal static (JsonNode? Value, string? Error) Convert(TemplateColumn column, string text)
    {
        switch (column.Type)
        {
            case "string":
                return (JsonValue.Create(text), null);
            case "number":
            {
                var cleaned = text.Replace(",", "", StringComparison.Ordinal).Replace("¥", "", StringComparison.Ordinal).Replace("￥", "", StringComparison.Ordinal).Trim();
                return decimal.TryParse(cleaned, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var number)
                    ? (JsonValue.Create(number), null)
                    : (null, $"'{text}' 不是数字 / is not a number");
            }
            case "integer":
                return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)
                    || (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d == decimal.Truncate(d) && long.TryParse(decimal.Truncate(d).ToString(CultureInfo.InvariantCulture), out integer))
                    ? (JsonValue.Create(integer), null)
                    : (null, $"'{text}' 不是整数 / is not a whole number");
            case "boolean":
                return text.ToLowerInvariant() switch
                {
                    "是" or "true" or "1" or "y" or "yes" => (JsonValue.Create(true), null),
                    "否" or "false" or "0" or "n" or "no" => (JsonValue.Create(false), null),
                    _ => (null, $"'{text}' 应为 是 或 否 / must be 是 or 否"),
                };
            case "date":
                return TryDate(text, out var date)
                    ? (JsonValue.Create(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)), null)
                    : (null, $"'{text}' 不是日期 (yyyy-MM-dd) / is not a date");
            case "dateTime":
                return TryDateTime(text, out var time)
                    ? (JsonValue.Create(time.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture)), null)
                    : (null, $"'{text}' 不是时间 (yyyy-MM-dd HH:mm) / is not a date and time");
            case "enum":
            {
                var values = column.Values ?? new Dictionary<string, string>();
                if (values.TryGetValue(text, out var wire))
                {
                    return (JsonValue.Create(wire), null);
                }
                return values.Values.Contains(text, StringComparer.Ordinal)
                    ? (JsonValue.Create(text), null)
                    : (null, $"'{text}' 应为 {string.Join("、", values.Keys)} 之一 / must be one of {string.Join(", ", values.Keys)}");
            }
            default:
                throw new InvalidOperationException($"templates.json: unknown column type '{column.Type}' ({column.Header})");
        }
    }

    private static readonly string[] DateFormats = ["yyyy-MM-dd", "yyyy/M/d", "yyyy-M-d", "yyyy.M.d", "yyyyMMdd", "yyyy年M月d日"];

    private static bool TryDate(string text, out DateOnly date) =>
        DateOnly.TryParseExact(text, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out date)
        || (DateTime.TryParseExact(text, LocalFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) && t.TimeOfDay == TimeSpan.Zero && (date = DateOnly.FromDateTime(t)) == date);

    private static readonly string[] LocalFormats =
    [
        "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd H:mm", "yyyy-MM-dd H:mm:ss", "yyyy/M/d H:mm", "yyyy/M/d H:mm:ss",
        "yyyy-M-d H:mm", "yyyy-M-d H:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF",
    ];

    private static bool TryDateTime(string text, out DateTimeOffset time)
    {
        // With an explicit offset (ISO 8601): as written.
        if ((text.EndsWith('Z') || text.LastIndexOfAny(['+', '-']) > 10)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out time))
        {
            return true;
        }
        // Beijing time; the first eight hours of year 1 are before the first instant there is (UTC 0001-01-01 00:00).
        if (DateTime.TryParseExact(text, LocalFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local)
            && local >= DateTime.MinValue + LocalOffset)
        {
            time = new DateTimeOffset(local, LocalOffset);
            return true;
        }
        time = default;
        return false;
    }
}
