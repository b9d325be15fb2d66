using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Serialization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text;

namespace DxyqOpenData.Federation;

/// <summary>
/// Opaque nextLinks: the query state as JSON, base64url, and an HMAC-SHA256 of it with the node's link key. A
/// changed or foreign link fails the check (400).
/// </summary>
public static class NextLinks
{
    public static string Seal(FederatedQuery query, byte[] key)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(query);
        var mac = HMACSHA256.HashData(key, payload);
        return $"{Base64Url(payload)}.{Base64Url(mac)}";
    }

    public static FederatedQuery Open(string token, byte[] key)
    {
        var dot = token.IndexOf('.');
        byte[] payload, mac;
        try
        {
            if (dot <= 0)
            {
                throw new FormatException();
            }
            payload = FromBase64Url(token[..dot]);
            mac = FromBase64Url(token[(dot + 1)..]);
        }
        catch (FormatException)
        {
            throw Tampered();
        }
        if (!CryptographicOperations.FixedTimeEquals(mac, HMACSHA256.HashData(key, payload)))
        {
            throw Tampered();
        }
        try
        {
            return JsonSerializer.Deserialize<FederatedQuery>(payload) ?? throw Tampered();
        }
        catch (JsonException)
        {
            throw Tampered();
        }
    }

    private static FederationQueryException Tampered() =>
        new("The nextLink is not one this node issued (or it was changed). Start the query again.", "$skiptoken");

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '='));
    }
}
