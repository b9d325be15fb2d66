namespace DxyqOpenData.Federation;

/// <summary>What <c>/federation/peers</c> shows of one replicated set.</summary>
public sealed record ReplicaSetView(string Set, long Rows, string? Cursor, DateTimeOffset? HarvestedAt, long? ReplicaAgeSeconds);
