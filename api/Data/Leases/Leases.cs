using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Data.Leases;

/// <summary>
/// Takes, renews and gives back named leases (<c>leases</c> table) so that one node at a time runs a background job.
/// Each step is one conditional statement, atomic on every provider: the row is taken only where it is free (expired)
/// or already ours. Use: <c>if (await leases.TryAcquireAsync("job", TimeSpan.FromMinutes(2), ct)) try { … } finally { await leases.ReleaseAsync("job", ct); }</c>.
/// </summary>
public sealed class Leases(CatalogDbContext db, LeaseHolder holder, TimeProvider clock)
{
    public string Holder => holder.Id;

    /// <summary>Takes (or renews) the lease for <paramref name="duration"/>; false when another holder has it.</summary>
    public async Task<bool> TryAcquireAsync(string name, TimeSpan duration, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var expires = now + duration;
        var me = holder.Id;
        var taken = await db.Set<Lease>()
            .Where(l => l.Name == name && (l.Holder == me || l.ExpiresAt <= now))
            .ExecuteUpdateAsync(u => u.SetProperty(l => l.Holder, me).SetProperty(l => l.AcquiredAt, now).SetProperty(l => l.ExpiresAt, expires), cancellationToken);
        if (taken == 1)
        {
            return true;
        }
        if (await db.Set<Lease>().AnyAsync(l => l.Name == name, cancellationToken))
        {
            return false;
        }
        // First use of the name: create the row; of two nodes creating it at once, the database lets one win.
        db.Add(new Lease { Name = name, Holder = me, AcquiredAt = now, ExpiresAt = expires });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            return false;
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    /// <summary>Who holds the lease now, if anyone.</summary>
    public async Task<Lease?> CurrentAsync(string name, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return await db.Set<Lease>().AsNoTracking().Where(l => l.Name == name && l.ExpiresAt > now).SingleOrDefaultAsync(cancellationToken);
    }

    /// <summary>Gives the lease back (if still ours) so the next holder need not wait for it to expire.</summary>
    public async Task ReleaseAsync(string name, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var me = holder.Id;
        await db.Set<Lease>().Where(l => l.Name == name && l.Holder == me)
            .ExecuteUpdateAsync(u => u.SetProperty(l => l.ExpiresAt, now), cancellationToken);
    }
}
