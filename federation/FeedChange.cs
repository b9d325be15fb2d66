using System.Text.Json;

namespace DxyqOpenData.Federation;

/// <summary>One entry of a peer's change feed, checked: an upsert (<see cref="Row"/> set) or a tombstone.</summary>
public sealed record FeedChange(Guid Id, JsonElement? Row);
