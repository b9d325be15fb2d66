using System.Globalization;
using System.Security.Claims;

namespace DxyqOpenData.Api.Security;

/// <summary>The registered JWT times OpenIddict leaves as plain claims (seconds since the epoch).</summary>
internal static class TokenTimes
{
    public static DateTimeOffset? NotBefore(ClaimsPrincipal? principal) => Read(principal, "nbf");

    public static DateTimeOffset? Expires(ClaimsPrincipal? principal) => Read(principal, "exp");

    private static DateTimeOffset? Read(ClaimsPrincipal? principal, string type) =>
        principal?.FindFirst(type)?.Value is { } value && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.UnixEpoch.AddSeconds(seconds)
            : null;
}
