using Microsoft.Extensions.Configuration;

namespace DxyqOpenData.Federation;

/// <summary>One peer node: where it is and how to get a <c>federation</c> token from it (<c>Federation:Peers:{i}:*</c>).</summary>
public sealed class PeerOptions
{
    public required string Code { get; init; }
    public required Uri BaseUrl { get; init; }
    public required Uri TokenUrl { get; init; }
    public string? ClientId { get; init; }
    public string? ClientSecret { get; init; }
    /// <summary>The whole budget of one call to this peer (token and query together). Default 2 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>The <c>Federation</c> section and <c>Node:Code</c>; see docs/federation.md.</summary>
public sealed class FederationOptions
{
    public string NodeCode { get; init; } = "ZJ";
    public IReadOnlyList<PeerOptions> Peers { get; init; } = [];
    /// <summary>How long a peer's circuit stays open after it broke.</summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Calls within the sampling window before the circuit may break (low traffic: small).</summary>
    public int CircuitMinimumThroughput { get; init; } = 3;
    public double CircuitFailureRatio { get; init; } = 0.5;
    /// <summary>Largest response body read from a node; larger is an error.</summary>
    public int MaxResponseBytes { get; init; } = 4 * 1024 * 1024;
    /// <summary>
    /// Key of the nextLink (and change feed cursor) HMAC. When <c>Federation:LinkKey</c> is not configured, the host
    /// replaces this random one at start with a key generated once and kept in its database (<see cref="LinkKeyConfigured"/>).
    /// </summary>
    public byte[] LinkKey { get; set; } = [];
    /// <summary>Whether <c>Federation:LinkKey</c> was configured.</summary>
    public bool LinkKeyConfigured { get; init; }
    /// <summary>The budget of the in-process query to this node.</summary>
    public TimeSpan LocalTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public static FederationOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection("Federation");
        var peers = new List<PeerOptions>();
        foreach (var peer in section.GetSection("Peers").GetChildren())
        {
            var code = peer["Code"];
            var baseUrl = peer["BaseUrl"];
            if (string.IsNullOrWhiteSpace(code) || string.IsNullOrWhiteSpace(baseUrl))
            {
                throw new InvalidOperationException($"Federation:Peers:{peer.Key} needs Code and BaseUrl.");
            }
            var root = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/", UriKind.Absolute);
            peers.Add(new PeerOptions
            {
                Code = code.Trim().ToUpperInvariant(),
                BaseUrl = root,
                TokenUrl = peer["TokenUrl"] is { Length: > 0 } token ? new Uri(root, token) : new Uri(root, "connect/token"),
                ClientId = peer["ClientId"],
                ClientSecret = peer["ClientSecret"],
                Timeout = peer.GetValue<TimeSpan?>("Timeout") ?? TimeSpan.FromSeconds(2),
            });
        }
        var nodeCode = (configuration["Node:Code"] ?? "ZJ").Trim().ToUpperInvariant();
        if (peers.Any(p => p.Code == nodeCode) || peers.Select(p => p.Code).Distinct().Count() != peers.Count)
        {
            throw new InvalidOperationException("Federation:Peers: every peer needs its own code, different from Node:Code.");
        }
        var linkKey = section["LinkKey"];
        return new FederationOptions
        {
            NodeCode = nodeCode,
            Peers = peers,
            BreakDuration = section.GetValue<TimeSpan?>("BreakDuration") ?? TimeSpan.FromSeconds(30),
            CircuitMinimumThroughput = section.GetValue<int?>("CircuitMinimumThroughput") ?? 3,
            CircuitFailureRatio = section.GetValue<double?>("CircuitFailureRatio") ?? 0.5,
            MaxResponseBytes = section.GetValue<int?>("MaxResponseBytes") ?? 4 * 1024 * 1024,
            LocalTimeout = section.GetValue<TimeSpan?>("LocalTimeout") ?? TimeSpan.FromSeconds(10),
            LinkKeyConfigured = !string.IsNullOrEmpty(linkKey),
            LinkKey = string.IsNullOrEmpty(linkKey)
                ? System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)
                : System.Text.Encoding.UTF8.GetBytes(linkKey),
        };
    }
}

/// <summary>How a property's JSON values are ordered (from the EDM type of the property).</summary>
public enum ValueKind { String, Number, DateTimeOffset, Date, Boolean, Guid }

/// <summary>What the federation needs to know of one entity set: its key and the kinds of its sortable properties.</summary>
public sealed record EntitySetSchema(string Name, string Key, IReadOnlyDictionary<string, ValueKind> Properties, IReadOnlySet<string> Withheld);

/// <summary>The sets the federation serves, given by the host (from its EDM model): the library knows no model.</summary>
public sealed record FederatedSchema(IReadOnlyDictionary<string, EntitySetSchema> Sets);
