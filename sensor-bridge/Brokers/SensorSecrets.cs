using System.Security.Cryptography;
using System.Text;

namespace DxyqOpenData.SensorBridge.Brokers;

/// <summary>
/// Device secrets: 32 random bytes, shown once, stored as <c>sha256$salt$hash</c>. A salted SHA-256 suffices for
/// machine-made secrets of this length (no dictionary to try) and keeps 11,000 devices' reconnects cheap.
/// </summary>
public static class SensorSecrets
{
    public static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Hash(string secret)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        return $"sha256${Convert.ToBase64String(salt)}${Convert.ToBase64String(Digest(salt, secret))}";
    }

    public static bool Verify(string? secret, string? hash)
    {
        if (string.IsNullOrEmpty(secret) || hash?.Split('$') is not ["sha256", var salt, var digest]) return false;
        try
        {
            return CryptographicOperations.FixedTimeEquals(Digest(Convert.FromBase64String(salt), secret), Convert.FromBase64String(digest));
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static byte[] Digest(byte[] salt, string secret) => SHA256.HashData([.. salt, .. Encoding.UTF8.GetBytes(secret)]);
}
