using System.ComponentModel;
using System.Text.Json.Serialization;
using DxyqOpenData.Federation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.OData.Edm;

namespace DxyqOpenData.Api.Federation;

/// <summary>
/// One peer: the live calls' health (circuit, last success, latency, failures), the last harvest (since the process
/// started) and, per set, the replica: rows, cursor, when it last caught up and its age. The peer's address, the error
/// texts and the cursors only for an <c>admin</c> token (null otherwise).
/// </summary>
public sealed record FederationPeer(
    string Node, string? BaseUrl, string Circuit, DateTimeOffset? LastSuccessAt, long? LastLatencyMs,
    DateTimeOffset? LastFailureAt, string? LastStatus, string? LastError, int ConsecutiveFailures, long Failures, long Successes,
    DateTimeOffset? LastHarvestAt, DateTimeOffset? LastHarvestSuccessAt, string? LastHarvestError, long? LastHarvestMs,
    long? ReplicaAgeSeconds, long ReplicaRows, IReadOnlyList<ReplicaSetView> Replica);
