namespace DxyqOpenData.Api.Data.Leases;

/// <summary>
/// A lease held for the length of a piece of work: taken once, renewed every third of its duration in a scope (and
/// DbContext) of its own while the work runs, given back when disposed. If this process dies, the lease runs out after
/// its duration and another node can take the work up.
/// </summary>
public sealed class LeaseHold : IAsyncDisposable
{
    private readonly AsyncServiceScope _scope;
    private readonly Leases _leases;
    private readonly string _name;
    private readonly CancellationTokenSource _stop;
    private readonly Task _renewing;

    private LeaseHold(AsyncServiceScope scope, Leases leases, string name, TimeSpan duration, ILogger logger, CancellationToken cancellationToken)
    {
        _scope = scope;
        _leases = leases;
        _name = name;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _renewing = RenewAsync(duration, logger, _stop.Token);
    }

    /// <summary>The hold, or null when another holder has the lease.</summary>
    public static async Task<LeaseHold?> TryTakeAsync(IServiceScopeFactory scopes, string name, TimeSpan duration, ILogger logger, CancellationToken cancellationToken)
    {
        var scope = scopes.CreateAsyncScope();
        var leases = scope.ServiceProvider.GetRequiredService<Leases>();
        try
        {
            if (await leases.TryAcquireAsync(name, duration, cancellationToken))
            {
                return new LeaseHold(scope, leases, name, duration, logger, cancellationToken);
            }
        }
        catch
        {
            await scope.DisposeAsync();
            throw;
        }
        await scope.DisposeAsync();
        return null;
    }

    private async Task RenewAsync(TimeSpan duration, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            using var timer = new PeriodicTimer(duration / 3);
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await _leases.TryAcquireAsync(_name, duration, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning("Could not renew the lease {Lease}: {Message}", _name, e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        var stopping = _stop.IsCancellationRequested;
        await _stop.CancelAsync();
        await _renewing;
        try
        {
            // Stopped with the host: the lease runs out by itself (the work resumes on whichever node takes it).
            if (!stopping)
            {
                await _leases.ReleaseAsync(_name, CancellationToken.None);
            }
        }
        finally
        {
            _stop.Dispose();
            await _scope.DisposeAsync();
        }
    }
}
