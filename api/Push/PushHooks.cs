using System.Data.Common;

namespace DxyqOpenData.Api.Push;

/// <summary>
/// Points where a test can hold a push deterministically (e.g. to race a duplicate Idempotency-Key against it).
/// Nothing is registered in production; the node never waits here unless a test sets it.
/// </summary>
public sealed class PushHooks
{
    /// <summary>Awaited after the Idempotency-Key is reserved, before the items are checked.</summary>
    public Func<CancellationToken, Task>? AfterIdempotencyKeyReserved { get; set; }
}
