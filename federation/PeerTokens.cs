using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace DxyqOpenData.Federation;

/// <summary>The peer refused our credentials (or has none configured for us).</summary>
public sealed class PeerUnauthorizedException(string message) : Exception(message);

/// <summary>
/// A <c>federation</c> access token per peer (client credentials against the peer's token endpoint), cached until a
/// minute (or a tenth of its lifetime, if shorter) before it expires. One request at a time per peer.
/// </summary>
public sealed class PeerTokenCache(TimeProvider time)
{
    private sealed record Cached(string Token, DateTimeOffset RefreshAt);

    private readonly ConcurrentDictionary<string, Cached> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    public async Task<string> GetAsync(PeerOptions peer, HttpClient http, CancellationToken cancellation)
    {
        if (TryCached(peer.Code) is { } token)
        {
            return token;
        }
        var gate = _gates.GetOrAdd(peer.Code, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellation);
        try
        {
            return TryCached(peer.Code) ?? await RequestAsync(peer, http, cancellation);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Forget the peer's token (it answered 401 with it).</summary>
    public void Invalidate(string code) => _tokens.TryRemove(code, out _);

    private string? TryCached(string code) =>
        _tokens.TryGetValue(code, out var cached) && cached.RefreshAt > time.GetUtcNow() ? cached.Token : null;

    private async Task<string> RequestAsync(PeerOptions peer, HttpClient http, CancellationToken cancellation)
    {
        if (string.IsNullOrEmpty(peer.ClientId) || string.IsNullOrEmpty(peer.ClientSecret))
        {
            throw new PeerUnauthorizedException($"No ClientId/ClientSecret configured for peer {peer.Code}.");
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, peer.TokenUrl)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["scope"] = "federation",
                ["client_id"] = peer.ClientId,
                ["client_secret"] = peer.ClientSecret,
            }),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation);
        if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new PeerUnauthorizedException($"The token endpoint of {peer.Code} refused the client ({(int)response.StatusCode}).");
        }
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"The token endpoint of {peer.Code} answered {(int)response.StatusCode}.", null, response.StatusCode);
        }
        var body = await BoundedJson.ReadAsync(response.Content, 64 * 1024, cancellation);
        if (body.ValueKind != JsonValueKind.Object
            || !body.TryGetProperty("access_token", out var accessToken) || accessToken.ValueKind != JsonValueKind.String)
        {
            throw new InvalidDataException($"The token endpoint of {peer.Code} answered without an access_token.");
        }
        var lifetime = body.TryGetProperty("expires_in", out var expires) && expires.TryGetInt32(out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.FromMinutes(5);
        var margin = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(1).Ticks, lifetime.Ticks / 10));
        var token = accessToken.GetString()!;
        _tokens[peer.Code] = new Cached(token, time.GetUtcNow() + lifetime - margin);
        return token;
    }
}

/// <summary>Reads a JSON body with a cap on its size: never more than <c>max</c> bytes are buffered.</summary>
public static class BoundedJson
{
    private static readonly JsonDocumentOptions NoDuplicates = new() { AllowDuplicateProperties = false };

    public static async Task<JsonElement> ReadAsync(HttpContent content, int max, CancellationToken cancellation)
    {
        if (content.Headers.ContentLength is { } length && length > max)
        {
            throw new InvalidDataException($"The response is {length} bytes, more than the {max} accepted.");
        }
        await using var stream = await content.ReadAsStreamAsync(cancellation);
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellation)) > 0)
        {
            if (buffer.Length + read > max)
            {
                throw new InvalidDataException($"The response is more than the {max} bytes accepted.");
            }
            buffer.Write(chunk, 0, read);
        }
        try
        {
            // An object with a property twice is not trusted: which one would count? (The merge's JsonObject would
            // throw on it, not say "error"; a harvest would store either.)
            using var document = JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), NoDuplicates);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The response is not JSON we accept (malformed, or an object with a property twice): {e.Message}");
        }
    }
}
