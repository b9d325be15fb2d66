using System.Buffers;
using System.ComponentModel.DataAnnotations;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace DxyqOpenData.Api.Push;

/// <summary>Limits of one push (<c>Push:*</c> settings).</summary>
public sealed class PushOptions
{
    /// <summary>Items per request (<c>Push:MaxItems</c>).</summary>
    [Range(1, 1_000_000, ErrorMessage = "Push:MaxItems must be from {1} to {2}.")]
    public int MaxItems { get; set; } = 10_000;

    /// <summary>Request body size in bytes (<c>Push:MaxBytes</c>).</summary>
    [Range(1024L, long.MaxValue, ErrorMessage = "Push:MaxBytes must be at least {1}.")]
    public long MaxBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>How long an <c>Idempotency-Key</c> is remembered (<c>Push:IdempotencyKeyLifetime</c>).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00", ErrorMessage = "Push:IdempotencyKeyLifetime must be from {1} to {2}.")]
    public TimeSpan IdempotencyKeyLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long a reserved <c>Idempotency-Key</c> waits for its push's answer (<c>Push:IdempotencyKeyReservationTimeout</c>):
    /// after that (the push's node died, or the push is still running) the key can be used again, and a push still
    /// running past it is not committed.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Push:IdempotencyKeyReservationTimeout must be from {1} to {2}.")]
    public TimeSpan IdempotencyKeyReservationTimeout { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>A request body that cannot be taken: the status and the problem to answer with.</summary>
public sealed class PushBodyException(int status, string title, string detail, IReadOnlyDictionary<string, object?>? extensions = null)
    : Exception(detail)
{
    public int Status { get; } = status;
    public string Title { get; } = title;
    public string Detail { get; } = detail;
    public IReadOnlyDictionary<string, object?> Extensions { get; } = extensions ?? new Dictionary<string, object?>();
}

/// <summary>Reads a push body: a JSON array or NDJSON, within the byte and item limits, as UTF-8 JSON.</summary>
public static class PushBody
{
    public const string JsonMediaType = "application/json";
    public const string NdjsonMediaType = "application/x-ndjson";

    /// <summary>The body's bytes, or 413 past <paramref name="maxBytes"/> (by Content-Length or as read), naming the setting <paramref name="limitName"/>.</summary>
    public static async Task<byte[]> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken, string limitName = "Push:MaxBytes")
    {
        if (request.ContentLength > maxBytes)
        {
            throw TooLarge(maxBytes, limitName);
        }
        if (request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            // Our own limit is the one that counts (and answers a problem); the server's must not be lower.
            limit.MaxRequestBodySize = maxBytes + 1;
        }
        using var buffer = new MemoryStream(request.ContentLength is { } length ? (int)Math.Min(length, maxBytes) : 64 * 1024);
        var chunk = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    throw TooLarge(maxBytes, limitName);
                }
                buffer.Write(chunk, 0, read);
            }
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge(maxBytes, limitName);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        return buffer.ToArray();
    }

    /// <summary>Which format the Content-Type names: JSON array or NDJSON; 415 for anything else.</summary>
    public static bool IsNdjson(string? contentType)
    {
        if (contentType is not null && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media))
        {
            var type = media.MediaType.Value?.ToLowerInvariant();
            if (media.Charset.HasValue && !media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
            {
                throw new PushBodyException(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                    $"Only UTF-8 is accepted, not charset={media.Charset}.");
            }
            switch (type)
            {
                case JsonMediaType:
                    return false;
                case NdjsonMediaType or "application/jsonl" or "application/x-jsonlines":
                    return true;
            }
        }
        throw new PushBodyException(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
            $"Send the items as a JSON array ({JsonMediaType}) or as NDJSON ({NdjsonMediaType}), not '{contentType ?? "(none)"}'.");
    }

    /// <summary>
    /// Parses the body into one element per item (the documents stay alive with the returned list).
    /// 400 naming the position for invalid UTF-8 or malformed JSON; 413 past <paramref name="maxItems"/>.
    /// </summary>
    public static IReadOnlyList<JsonElement> Parse(byte[] body, bool ndjson, int maxItems)
    {
        var start = body.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        ReadOnlySpan<byte> span = body.AsSpan(start);
        if (!Utf8.IsValid(span))
        {
            var offset = FirstInvalidUtf8(span);
            var (line, column) = LineAndColumn(span, offset);
            throw Malformed($"The body is not valid UTF-8: invalid byte sequence at byte offset {offset} (line {line}, byte {column} of the line).",
                new() { ["byteOffset"] = offset, ["line"] = line, ["column"] = column });
        }
        return ndjson ? ParseNdjson(span, maxItems) : ParseArray(body.AsMemory(start), maxItems);
    }

    /// <summary>
    /// How items are read: no comments, at most 64 levels, and no object with a property twice (which one would the
    /// node store? The federation refuses the same from peers).
    /// </summary>
    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64, AllowDuplicateProperties = false,
    };

    private static List<JsonElement> ParseArray(ReadOnlyMemory<byte> body, int maxItems)
    {
        JsonDocument document;
        try
        {
            // Anything but white space after the array is an error too.
            document = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException e)
        {
            var line = (e.LineNumber ?? 0) + 1;
            var column = (e.BytePositionInLine ?? 0) + 1;
            throw Malformed($"The body is not valid JSON at line {line}, byte {column}: {Reason(e)}", new() { ["line"] = line, ["column"] = column });
        }
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw Malformed($"The body must be a JSON array of items (or NDJSON with Content-Type {NdjsonMediaType}), not a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}.", new());
        }
        var count = document.RootElement.GetArrayLength();
        if (count > maxItems)
        {
            throw TooManyItems(maxItems, count);
        }
        return [.. document.RootElement.EnumerateArray()];
    }

    private static List<JsonElement> ParseNdjson(ReadOnlySpan<byte> span, int maxItems)
    {
        var items = new List<JsonElement>();
        var line = 0;
        while (!span.IsEmpty)
        {
            line++;
            var end = span.IndexOf((byte)'\n');
            var text = end < 0 ? span : span[..end];
            span = end < 0 ? [] : span[(end + 1)..];
            if (text.Trim(" \t\r"u8).IsEmpty)
            {
                continue;
            }
            if (items.Count == maxItems)
            {
                throw TooManyItems(maxItems, null);
            }
            try
            {
                items.Add(JsonDocument.Parse(text.ToArray(), DocumentOptions).RootElement);
            }
            catch (JsonException e)
            {
                var column = (e.BytePositionInLine ?? 0) + 1;
                throw Malformed($"Line {line} is not valid JSON at byte {column}: {Reason(e)}", new() { ["line"] = line, ["column"] = column });
            }
        }
        return items;
    }

    private static string Reason(JsonException e)
    {
        // The exception's message repeats the position as "LineNumber: n | BytePositionInLine: m."; keep the reason.
        var message = e.Message;
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut].TrimEnd() : message;
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> span)
    {
        var chars = new char[Math.Min(span.Length, 64 * 1024)];
        var offset = 0;
        while (offset < span.Length)
        {
            var status = Utf8.ToUtf16(span[offset..], chars, out var read, out _, replaceInvalidSequences: false);
            offset += read;
            if (status == OperationStatus.InvalidData || status == OperationStatus.NeedMoreData)
            {
                return offset;
            }
        }
        return offset;
    }

    private static (int Line, int Column) LineAndColumn(ReadOnlySpan<byte> span, int offset)
    {
        var before = span[..Math.Min(offset, span.Length)];
        var line = before.Count((byte)'\n') + 1;
        var lastNewLine = before.LastIndexOf((byte)'\n');
        return (line, offset - lastNewLine);
    }

    private static PushBodyException Malformed(string detail, Dictionary<string, object?> extensions) =>
        new(StatusCodes.Status400BadRequest, "Malformed request body", detail, extensions);

    private static PushBodyException TooLarge(long maxBytes, string limitName) =>
        new(StatusCodes.Status413PayloadTooLarge, "Request body too large",
            $"The body exceeds the limit of {maxBytes} bytes ({limitName}). Split the items into smaller batches.",
            new Dictionary<string, object?> { ["limit"] = limitName, ["maxBytes"] = maxBytes });

    private static PushBodyException TooManyItems(int maxItems, int? count) =>
        new(StatusCodes.Status413PayloadTooLarge, "Too many items",
            $"A push takes at most {maxItems} items (Push:MaxItems){(count is { } n ? $"; this one has {n}" : "")}. Split the items into smaller batches.",
            new Dictionary<string, object?> { ["limit"] = "Push:MaxItems", ["maxItems"] = maxItems });
}
