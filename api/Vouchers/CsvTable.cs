using System.Text;
using System.Text.Json;
using DxyqOpenData.Api.Imports;

namespace DxyqOpenData.Api.Vouchers;

/// <summary>
/// The CSV form of a JSON answer: one column per property of the flat items, each cell the JSON value's text (strings as
/// they are, numbers and booleans as written, arrays joined with ';', null empty), so CSV and JSON never disagree.
/// UTF-8 with BOM, CRLF, RFC 4180 quoting.
/// </summary>
internal static class CsvTable
{
    public const string MediaType = "text/csv";

    /// <summary>Whether the caller asked for CSV: <c>?format=csv</c>, or an Accept header preferring text/csv.</summary>
    public static bool Wanted(HttpRequest request) =>
        request.Query["format"].ToString() is { Length: > 0 } format
            ? format.Equals("csv", StringComparison.OrdinalIgnoreCase)
            : request.GetTypedHeaders().Accept.OrderByDescending(a => a.Quality ?? 1)
                .FirstOrDefault()?.MediaType.Equals(MediaType, StringComparison.OrdinalIgnoreCase) == true;

    public static byte[] Write<T>(IReadOnlyList<string> columns, IEnumerable<T> items, JsonSerializerOptions options)
    {
        var text = new StringBuilder();
        text.AppendJoin(',', columns.Select(ImportTemplates.CsvField)).Append("\r\n");
        foreach (var item in items)
        {
            var element = JsonSerializer.SerializeToElement(item, options);
            text.AppendJoin(',', columns.Select(c => ImportTemplates.CsvField(element.TryGetProperty(c, out var v) ? Cell(v) : ""))).Append("\r\n");
        }
        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(text.ToString())];
    }

    /// <summary>The column names of <typeparamref name="T"/>'s JSON form, in declaration order.</summary>
    public static IReadOnlyList<string> Columns<T>(JsonSerializerOptions options) =>
        options.GetTypeInfo(typeof(T)).Properties.Select(p => p.Name).ToList();

    private static string Cell(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => "",
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Array => string.Join(';', value.EnumerateArray().Select(Cell)),
        _ => value.GetRawText(),
    };
}
