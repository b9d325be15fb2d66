using System.Linq.Expressions;
using System.Security.Cryptography;
using System.Text.Json;
using DxyqOpenData.Federation;

namespace DxyqOpenData.Api.Federation;

/// <summary>
/// The opaque cursor of the change feed: the node, the set and the last sequence number given, as base64url JSON with
/// an HMAC-SHA256 of it under the node's link key (kept in the database, so cursors outlive restarts).
/// </summary>
public static class FeedCursor
{
    private sealed record State(string N, string S, long Q);

    public static string Seal(string node, string set, long seq, byte[] key)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(new State(node, set, seq));
        return $"{Base64Url(payload)}.{Base64Url(HMACSHA256.HashData(key, payload))}";
    }

    public static long Open(string token, string node, string set, byte[] key)
    {
        State? state;
        try
        {
            var dot = token.IndexOf('.');
            if (dot <= 0 || token.Length > ChangeFeedLimits.MaxCursorLength)
            {
                throw new FormatException();
            }
            var payload = FromBase64Url(token[..dot]);
            if (!CryptographicOperations.FixedTimeEquals(FromBase64Url(token[(dot + 1)..]), HMACSHA256.HashData(key, payload)))
            {
                throw new FormatException();
            }
            state = JsonSerializer.Deserialize<State>(payload);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            throw new FeedCursorException("'since' is not a cursor this node gave (or it was changed). Start again without 'since'.");
        }
        if (state is null || state.N != node || state.S != set || state.Q < 0)
        {
            throw new FeedCursorException("'since' is a cursor of another node or set.");
        }
        return state.Q;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '='));
    }
}
