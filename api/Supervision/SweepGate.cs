namespace DxyqOpenData.Api.Supervision;

/// <summary>
/// One sweep at a time within this node: the lease keeps other nodes out, but this node's own holder may renew it, so
/// a route call and the background turn arriving together would both pass it.
/// </summary>
public sealed class SweepGate
{
    public SemaphoreSlim Semaphore { get; } = new(1, 1);
}
