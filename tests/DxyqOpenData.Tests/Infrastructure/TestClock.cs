namespace DxyqOpenData.Tests.Infrastructure;

/// <summary>A clock a test sets and moves: the node's TimeProvider in tests of rules that count days.</summary>
public sealed class TestClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}
