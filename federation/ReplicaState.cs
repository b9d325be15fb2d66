namespace DxyqOpenData.Federation;

/// <summary>Where the replica of one peer's set stands.</summary>
public sealed record ReplicaState(string? Cursor, DateTimeOffset? HarvestedAt);
