using System.ComponentModel.DataAnnotations;

namespace DxyqOpenData.Api.Security;

/// <summary>The <c>Auth</c> section: who this node is to its tokens, and how long they live. See docs/security.md.</summary>
public sealed class AuthOptions : IValidatableObject
{
    /// <summary>
    /// The <c>iss</c> of every token and the base of the endpoints in discovery. Unset (the default), it is the address
    /// the request came to, so discovery agrees with itself on any address; set it in production to the public base URL,
    /// so every instance behind one address issues the same issuer whatever Host a request carries (docs/security.md).
    /// </summary>
    public string? Issuer { get; set; }

    /// <summary>The longest a client assertion (<c>private_key_jwt</c>) may live, from now to its <c>exp</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Auth:MaxClientAssertionLifetime must be from {1} to {2}.")]
    public TimeSpan MaxClientAssertionLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The <c>aud</c> of every access token this node issues, and the only one it accepts. Default <c>dxyq-{node code}</c>.</summary>
    public string? Audience { get; set; }

    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00", ErrorMessage = "Auth:AccessTokenLifetime must be from {1} to {2}.")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>An RSA private key (PEM). When set, it signs every token and the database keys are not used.</summary>
    public string? SigningKey { get; set; }

    /// <summary>Refuse token requests over plain HTTP. Off by default so the node runs with no configuration on localhost.</summary>
    public bool RequireHttps { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // "/path" parses as an absolute file: URI on Unix; an issuer is an http(s) address.
        if (Issuer is not null && !(Uri.TryCreate(Issuer, UriKind.Absolute, out var issuer) && (issuer.Scheme == Uri.UriSchemeHttps || issuer.Scheme == Uri.UriSchemeHttp)))
        {
            yield return new ValidationResult($"Auth:Issuer must be an absolute http(s) URI, not '{Issuer}'.", [nameof(Issuer)]);
        }
    }
}
