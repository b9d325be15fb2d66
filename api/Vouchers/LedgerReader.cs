using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Data.Reference;
using DxyqOpenData.Api.Imports;
using DxyqOpenData.Api.Push;
using DxyqOpenData.Schemas;

namespace DxyqOpenData.Api.Vouchers;

/// <summary>
/// Reads a posted ledger: a JSON array, NDJSON (the push API's reader) or CSV (a header row of the schema's property
/// names, <c>serviceRecord.unitId</c> for the nested ones), each line validated against the shared
/// <c>voucher-ledger-line</c> schema and the rules it cannot say (credit codes' check character, storable amounts).
/// </summary>
internal static class LedgerReader
{
    public const string CsvMediaType = "text/csv";

    /// <summary>The CSV header in the schema's order (docs/vouchers.md).</summary>
    public static readonly IReadOnlyList<string> CsvColumns =
        ["lineId", "voucherNo", "serviceRecord.unitId", "serviceRecord.externalId", "enterpriseCreditCode", "enterpriseName", "amountCny", "paidAt", "issuerRegionCode", "remark"];

    /// <summary>The body as one JSON element per ledger line; 400 for malformed JSON or CSV, 415 for another media type.</summary>
    public static IReadOnlyList<JsonElement> Parse(byte[] body, string? contentType)
    {
        if (IsCsv(contentType))
        {
            return ParseCsv(body);
        }
        bool ndjson;
        try
        {
            ndjson = PushBody.IsNdjson(contentType);
        }
        catch (PushBodyException e) when (e.Status == StatusCodes.Status415UnsupportedMediaType)
        {
            throw new PushBodyException(e.Status, e.Title,
                $"Send the ledger as a JSON array ({PushBody.JsonMediaType}), NDJSON ({PushBody.NdjsonMediaType}) or CSV ({CsvMediaType}) in UTF-8, not '{contentType ?? "(none)"}'.");
        }
        return PushBody.Parse(body, ndjson, int.MaxValue);
    }

    /// <summary>The valid lines, or every error of every invalid line (then no line is taken).</summary>
    public static (LedgerLine[] Lines, List<LedgerLineError> Errors) Validate(IReadOnlyList<JsonElement> items, CancellationToken cancellationToken)
    {
        var schema = SchemaRegistry.Default.Find(SchemaNames.VoucherLedgerLine, 1)!;
        var lines = new LedgerLine[items.Count];
        var errors = new List<LedgerLineError>?[items.Count];
        Parallel.For(0, items.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            var found = schema.Validate(items[i]).Select(e => new LedgerLineError(i + 1, e.Path, e.Message)).ToList();
            if (found.Count == 0)
            {
                lines[i] = Read(i + 1, items[i], found);
            }
            errors[i] = found.Count > 0 ? found : null;
        });
        return (lines, errors.Where(e => e is not null).SelectMany(e => e!).ToList());
    }

    private static LedgerLine Read(int line, JsonElement item, List<LedgerLineError> errors)
    {
        var record = item.GetProperty("serviceRecord");
        var unitId = record.GetProperty("unitId").GetString()!;
        var enterprise = item.GetProperty("enterpriseCreditCode").GetString()!;
        foreach (var (path, code) in new[] { ("/serviceRecord/unitId", unitId), ("/enterpriseCreditCode", enterprise) })
        {
            if (!CreditCode.IsValid(code))
            {
                errors.Add(new LedgerLineError(line, path, $"'{code}' is not a valid unified social credit code: wrong check character."));
            }
        }
        var amount = item.GetProperty("amountCny").TryGetDecimal(out var cny) && Money.CanStore(cny) ? Money.ToFen(cny) : -1;
        if (amount < 0)
        {
            errors.Add(new LedgerLineError(line, "/amountCny", $"An amount in CNY is at most {Money.MaxCny:N2}."));
        }
        return new LedgerLine(line, item.GetProperty("lineId").GetString()!, item.GetProperty("voucherNo").GetString()!, unitId,
            record.GetProperty("externalId").GetString()!, enterprise, amount,
            DateTimeOffset.Parse(item.GetProperty("paidAt").GetString()!, CultureInfo.InvariantCulture).UtcDateTime);
    }

    private static bool IsCsv(string? contentType) =>
        contentType is not null && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType.Equals(CsvMediaType, StringComparison.OrdinalIgnoreCase)
        && (!media.Charset.HasValue || media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));

    /// <summary>Each data row as the JSON line it stands for: empty cells left out, <c>amountCny</c> a number when it reads as one.</summary>
    private static List<JsonElement> ParseCsv(byte[] body)
    {
        var start = body.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body, start, body.Length - start);
        }
        catch (DecoderFallbackException)
        {
            throw new PushBodyException(StatusCodes.Status400BadRequest, "Malformed request body", "The CSV is not valid UTF-8.");
        }
        List<SheetRow> rows;
        try
        {
            rows = ImportFile.ReadCsv(text).Where(r => r.Cells.Any(c => c.Length > 0)).ToList();
        }
        catch (ImportFileException e)
        {
            throw new PushBodyException(StatusCodes.Status400BadRequest, "Malformed request body", "The CSV is malformed: " + e.Message);
        }
        if (rows.Count == 0)
        {
            return [];
        }
        var header = rows[0].Cells.Select(c => c.Trim()).ToList();
        if (header.Distinct(StringComparer.Ordinal).Count() != header.Count || header.Any(h => h.Length == 0))
        {
            throw new PushBodyException(StatusCodes.Status400BadRequest, "Malformed request body",
                $"The CSV's first row must name each column once ({string.Join(",", CsvColumns)}).");
        }
        return rows.Skip(1).Select(row => JsonSerializer.SerializeToElement(LineOf(header, row))).ToList();
    }

    private static JsonObject LineOf(List<string> header, SheetRow row)
    {
        var line = new JsonObject();
        for (var c = 0; c < Math.Min(header.Count, row.Cells.Count); c++)
        {
            var cell = row.Cells[c];
            if (cell.Length == 0)
            {
                continue;
            }
            JsonNode value = header[c] == "amountCny" && decimal.TryParse(cell, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount)
                ? JsonValue.Create(amount) : JsonValue.Create(cell);
            var dot = header[c].IndexOf('.');
            if (dot > 0)
            {
                var parent = header[c][..dot];
                if (line[parent] is not JsonObject nested)
                {
                    line[parent] = nested = new JsonObject();
                }
                nested[header[c][(dot + 1)..]] = value;
            }
            else
            {
                line[header[c]] = value;
            }
        }
        return line;
    }
}
