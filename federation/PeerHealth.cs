using Polly.CircuitBreaker;

namespace DxyqOpenData.Federation;

/// <summary>Outcome of asking one node.</summary>
public static class SourceStatus
{
    public const string Ok = "ok";
    public const string Timeout = "timeout";
    public const string Error = "error";
    public const string CircuitOpen = "circuit-open";
    public const string Unauthorized = "unauthorized";
    /// <summary>Replica mode: the peer's set was never harvested (completely) on this node.</summary>
    public const string NoReplica = "no-replica";
}

/// <summary>What <c>GET /federation/peers</c> shows of one peer.</summary>
public sealed record PeerHealthView(
    string Node, string BaseUrl, string Circuit, DateTimeOffset? LastSuccessAt, long? LastLatencyMs,
    DateTimeOffset? LastFailureAt, string? LastStatus, string? LastError, int ConsecutiveFailures, long Failures, long Successes);

/// <summary>Health of one peer: the circuit breaker's state and the record of the last calls.</summary>
public sealed class PeerHealth(PeerOptions peer)
{
    private readonly Lock _gate = new();
    private DateTimeOffset? _lastSuccess, _lastFailure;
    private long? _lastLatency;
    private string? _lastStatus, _lastError;
    private int _consecutive;
    private long _failures, _successes;

    public PeerOptions Peer => peer;
    public CircuitBreakerStateProvider Circuit { get; } = new();

    public void Record(string status, long ms, string? error)
    {
        lock (_gate)
        {
            _lastStatus = status;
            _lastLatency = ms;
            if (status == SourceStatus.Ok)
            {
                _lastSuccess = DateTimeOffset.UtcNow;
                _consecutive = 0;
                _successes++;
                _lastError = null;
            }
            else
            {
                _lastFailure = DateTimeOffset.UtcNow;
                _consecutive++;
                _failures++;
                _lastError = error;
            }
        }
    }

    public PeerHealthView View()
    {
        lock (_gate)
        {
            var circuit = Circuit.CircuitState switch
            {
                CircuitState.Closed => "closed",
                CircuitState.Open => "open",
                CircuitState.HalfOpen => "half-open",
                CircuitState.Isolated => "isolated",
                _ => "unknown",
            };
            return new PeerHealthView(peer.Code, peer.BaseUrl.ToString(), circuit, _lastSuccess, _lastLatency, _lastFailure,
                _lastStatus, _lastError, _consecutive, _failures, _successes);
        }
    }
}

/// <summary>Every configured peer's health, by code.</summary>
public sealed class PeerHealthRegistry(FederationOptions options)
{
    private readonly Dictionary<string, PeerHealth> _peers = options.Peers.ToDictionary(p => p.Code, p => new PeerHealth(p), StringComparer.Ordinal);

    public PeerHealth For(string code) => _peers[code];

    public IReadOnlyList<PeerHealthView> All() => options.Peers.Select(p => _peers[p.Code].View()).ToList();
}
