namespace DxyqOpenData.Federation;

/// <summary>What <c>/federation/peers</c> shows of a peer's last harvest (since the process started).</summary>
public sealed record HarvestView(DateTimeOffset? LastAttemptAt, DateTimeOffset? LastSuccessAt, string? LastError, long? LastMs, long Changes);
