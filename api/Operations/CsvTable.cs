using System.Text;
using System.Text.Json;
using DxyqOpenData.Api.Imports;

namespace DxyqOpenData.Api.Operations;

/// <summary>
/// The node's CSV answers (vouchers, reports): UTF-8 with BOM (so Excel reads Chinese), CRLF, RFC 4180 quoting. A cell is
/// the JSON value's text (strings as they are, numbers and booleans as written, arrays of values joined with ';',
/// objects and arrays of objects as compact JSON, null empty), so CSV and JSON never disagree.
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

    public static byte[] Write<T>(IReadOnlyList<string> columns, IEnumerable<T> items, JsonSerializerOptions options) =>
        Write(columns, items.Select(item =>
        {
            var element = JsonSerializer.SerializeToElement(item, options);
            return (IReadOnlyList<string>)columns.Select(c => element.TryGetProperty(c, out var v) ? Cell(v) : "").ToList();
        }));

    /// <summary>A header row and the rows, each cell already text.</summary>
    public static byte[] Write(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var text = new StringBuilder();
        text.AppendJoin(',', header.Select(ImportTemplates.CsvField)).Append("\r\n");
        foreach (var row in rows)
        {
            text.AppendJoin(',', row.Select(ImportTemplates.CsvField)).Append("\r\n");
        }
        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(text.ToString())];
    }

    /// <summary>The column names of <typeparamref name="T"/>'s JSON form, in declaration order.</summary>
    public static IReadOnlyList<string> Columns<T>(JsonSerializerOptions options) =>
        options.GetTypeInfo(typeof(T)).Properties.Select(p => p.Name).ToList();

    public static string Cell(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => "",
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Array when value.EnumerateArray().All(x => x.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array)) =>
            string.Join(';', value.EnumerateArray().Select(Cell)),
        _ => value.GetRawText(),
    };
}
