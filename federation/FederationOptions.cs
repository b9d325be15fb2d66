using System.ComponentModel.DataAnnotations;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace DxyqOpenData.Federation;

/// <summary>One peer node: where it is and how to get a <c>federation</c> token from it (<c>Federation:Peers:{i}:*</c>).</summary>
public sealed class PeerOptions
{
    /// <summary>Its node code (SH, JS, AH); upper-cased when bound.</summary>
    public string Code { get; set; } = "";
    /// <summary>Its root URL; a path without its final slash gets one when bound.</summary>
    public Uri BaseUrl { get; set; } = null!;
    /// <summary>Its token endpoint, absolute or relative to <see cref="BaseUrl"/> (default <c>connect/token</c>); absolute once bound.</summary>
    public Uri? TokenUrl { get; set; }
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }
    /// <summary>The whole budget of one call to this peer (token and query together). Default 2 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// The <c>Federation</c> section (its <c>Harvest</c> part is <see cref="HarvestOptions"/>) and <c>Node:Code</c>; see
/// docs/federation.md. The host binds and checks it like every other section (options pattern, data annotations and
/// <see cref="Validate"/>, at start), completing it with <see cref="Complete"/>: a wrong value stops the node naming it.
/// </summary>
public sealed class FederationOptions : IValidatableObject
{
    /// <summary>This node's code (the host's <c>Node:Code</c>, outside the section), set by <see cref="Complete"/>.</summary>
    public string NodeCode { get; set; } = "ZJ";

    public List<PeerOptions> Peers { get; set; } = [];

    /// <summary>How long a peer's circuit stays open after it broke.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "1.00:00:00", ErrorMessage = "Federation:BreakDuration must be from {1} to {2}.")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Calls within the sampling window before the circuit may break (low traffic: small).</summary>
    [Range(2, 1_000_000, ErrorMessage = "Federation:CircuitMinimumThroughput must be from {1} to {2}.")]
    public int CircuitMinimumThroughput { get; set; } = 3;

    [Range(0.0, 1.0, MinimumIsExclusive = true, ErrorMessage = "Federation:CircuitFailureRatio must be above {1} and at most {2}.")]
    public double CircuitFailureRatio { get; set; } = 0.5;

    /// <summary>Largest response body read from a node; larger is an error.</summary>
    [Range(1024, int.MaxValue, ErrorMessage = "Federation:MaxResponseBytes must be at least {1}.")]
    public int MaxResponseBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>The budget of the query to this node's own part.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00", ErrorMessage = "Federation:LocalTimeout must be from {1} to {2}.")]
    public TimeSpan LocalTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether replica-mode answers of a peer's part are memoized until a harvest changes its replica (docs/federation.md).</summary>
    public bool ReplicaMemo { get; set; } = true;

    /// <summary>
    /// The secret of the nextLink (and change feed cursor) HMAC, the same on every node of one database. When it is not
    /// configured, the host generates a key once and keeps it in its database (<see cref="LinkKeyBytes"/>).
    /// </summary>
    public string? LinkKey { get; set; }

    /// <summary>Whether <c>Federation:LinkKey</c> was configured.</summary>
    public bool LinkKeyConfigured => !string.IsNullOrEmpty(LinkKey);

    /// <summary>The HMAC key in use: <see cref="LinkKey"/>'s UTF-8 bytes, or a random one until the host loads its stored key.</summary>
    public byte[] LinkKeyBytes { get; set; } = [];

    private readonly List<string> _unbound = [];

    /// <summary>
    /// What binding cannot do: this node's code (<paramref name="nodeCode"/>, from outside the section), the peers' codes and URLs made canonical, and
    /// the peers binding dropped (the binder skips a list item with a value that does not convert), named for <see cref="Validate"/>.
    /// </summary>
    public void Complete(IConfiguration configuration, string nodeCode)
    {
        NodeCode = nodeCode;
        foreach (var peer in configuration.GetSection("Federation:Peers").GetChildren())
        {
            try
            {
                peer.Get<PeerOptions>();
            }
            catch (InvalidOperationException e)
            {
                _unbound.Add(e.Message);
            }
        }
        foreach (var peer in Peers)
        {
            peer.Code = peer.Code.Trim().ToUpperInvariant();
            if (peer.BaseUrl is { IsAbsoluteUri: true } root)
            {
                peer.BaseUrl = root.AbsolutePath.EndsWith('/') ? root : new Uri(root + "/");
                peer.TokenUrl = new Uri(peer.BaseUrl, peer.TokenUrl?.OriginalString is { Length: > 0 } token ? token : "connect/token");
            }
        }
        LinkKeyBytes = LinkKeyConfigured ? Encoding.UTF8.GetBytes(LinkKey!) : System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var unbound in _unbound)
        {
            yield return new ValidationResult(unbound);
        }
        var codes = new HashSet<string>(StringComparer.Ordinal) { NodeCode };
        foreach (var (peer, i) in Peers.Select((p, i) => (p, i)))
        {
            var name = $"Federation:Peers:{i}";
            if (string.IsNullOrWhiteSpace(peer.Code))
            {
                yield return new ValidationResult($"{name}:Code is needed.");
            }
            else if (!codes.Add(peer.Code))
            {
                yield return new ValidationResult($"{name}:Code {peer.Code}: every peer needs its own code, different from Node:Code.");
            }
            if (peer.BaseUrl is not { IsAbsoluteUri: true } url || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                yield return new ValidationResult($"{name}:BaseUrl must be an absolute http(s) URL.");
            }
            if (peer.Timeout <= TimeSpan.Zero || peer.Timeout > TimeSpan.FromMinutes(10))
            {
                yield return new ValidationResult($"{name}:Timeout must be above 00:00:00 and at most 00:10:00.");
            }
        }
    }
}

/// <summary>How a property's JSON values are ordered (from the EDM type of the property).</summary>
public enum ValueKind { String, Number, DateTimeOffset, Date, Boolean, Guid }

/// <summary>What the federation needs to know of one entity set: its key and the kinds of its sortable properties.</summary>
public sealed record EntitySetSchema(string Name, string Key, IReadOnlyDictionary<string, ValueKind> Properties, IReadOnlySet<string> Withheld);

/// <summary>The sets the federation serves, given by the host (from its EDM model): the library knows no model.</summary>
public sealed record FederatedSchema(IReadOnlyDictionary<string, EntitySetSchema> Sets);
