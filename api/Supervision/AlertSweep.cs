using System.Diagnostics;
using DxyqOpenData.Api.Alerts;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Data.Leases;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Api.Push;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Supervision;

/// <summary>What one sweep did; <see cref="HeldBy"/> when another holder had the lease and nothing ran.</summary>
public sealed record SweepResult(bool Ran, string? HeldBy, DateTime StartedAt, int Instruments, int Raised, int Resolved, int Updated, int Open,
    int ServiceInfoCompleted, double DurationMs);

/// <summary>
/// One supervision sweep: under the <c>supervision-sweep</c> lease and in one transaction, it marks service information
/// complete where it now is, evaluates every rule over every instrument (<see cref="AlertRules"/>), raises the alerts
/// that should be open and are not, and resolves those open that should not be. Idempotent (a second sweep at the same
/// moment changes nothing) and restart-safe (killed mid-way, the transaction rolls back; the next sweep does it whole).
/// </summary>
public sealed class AlertSweep(CatalogDbContext db, Leases leases, SweepGate gate, SupervisionOptions options, TimeProvider clock, ILogger<AlertSweep> logger)
{
    public const string LeaseName = "supervision-sweep";

    public async Task<SweepResult> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var watch = Stopwatch.StartNew();
        if (!await gate.Semaphore.WaitAsync(0, cancellationToken))
        {
            return new SweepResult(false, leases.Holder + " (this node)", now, 0, 0, 0, 0, 0, 0, 0);
        }
        try
        {
            return await UnderLeaseAsync(now, watch, cancellationToken);
        }
        finally
        {
            gate.Semaphore.Release();
        }
    }

    private async Task<SweepResult> UnderLeaseAsync(DateTime now, Stopwatch watch, CancellationToken cancellationToken)
    {
        if (!await leases.TryAcquireAsync(LeaseName, options.Sweep.Lease, cancellationToken))
        {
            var holder = (await leases.CurrentAsync(LeaseName, cancellationToken))?.Holder ?? "another node";
            return new SweepResult(false, holder, now, 0, 0, 0, 0, 0, 0, 0);
        }
        try
        {
            var stages = new PushStages();
            var result = await SweepAsync(now, stages, cancellationToken);
            logger.LogInformation("Supervision sweep: {Instruments} instruments, {Raised} raised, {Resolved} resolved, {Open} open in {ElapsedMs} ms ({Stages})",
                result.Instruments, result.Raised, result.Resolved, result.Open, watch.ElapsedMilliseconds, stages);
            return result with { DurationMs = Math.Round(watch.Elapsed.TotalMilliseconds, 1) };
        }
        finally
        {
            await leases.ReleaseAsync(LeaseName, CancellationToken.None);
        }
    }

    private async Task<SweepResult> SweepAsync(DateTime now, PushStages stages, CancellationToken cancellationToken)
    {
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var completed = await MarkServiceInfoCompleteAsync(now, cancellationToken);
            stages.Mark("completions");
            var facts = await InstrumentFactsQuery.LoadAsync(db, cancellationToken);
            stages.Mark("facts");
            var texts = AlertRuleTexts.Default;
            var breaches = facts.Values.SelectMany(f => AlertRules.Evaluate(f, now, options.SensorOfflineAfter, texts))
                .ToDictionary(b => (b.InstrumentId, b.Kind));
            var open = await db.Alerts.AsTracking().Where(a => a.ResolvedAt == null).ToListAsync(cancellationToken);
            stages.Mark("rules and open alerts");
            int resolved = 0, updated = 0;
            var stillOpen = new HashSet<(Guid, AlertKind)>();
            foreach (var alert in open)
            {
                var key = (alert.InstrumentId, alert.Kind);
                breaches.TryGetValue(key, out var breach);
                var isIdle = alert.Kind is AlertKind.Idle1Month or AlertKind.Idle3Months or AlertKind.Idle6Months;
                if (breach is null || (isIdle && breach.Reference != alert.ReferenceDate))
                {
                    // Cleared; for idleness, a power-on since makes any idleness now a new breach (raised below).
                    alert.ResolvedAt = now;
                    alert.ResolutionReason = AlertRules.Resolution(alert.Kind, facts.GetValueOrDefault(alert.InstrumentId), breach);
                    resolved++;
                    continue;
                }
                stillOpen.Add(key);
                if (alert.ReferenceDate != breach.Reference || alert.Since != breach.Since || alert.Message != breach.Message || alert.Severity != breach.Severity)
                {
                    // The same breach measured anew (a deadline recomputed with the calendar, a renamed instrument).
                    alert.ReferenceDate = breach.Reference;
                    alert.Since = breach.Since;
                    alert.Message = breach.Message;
                    alert.Severity = breach.Severity;
                    updated++;
                }
            }
            // Resolutions first, so the open-alert index never sees the old and the new idle alert open together.
            await db.SaveChangesAsync(cancellationToken);
            stages.Mark("resolve");
            // New alerts go in through the push API's row writer (COPY on PostgreSQL, one prepared INSERT on SQLite):
            // the first sweep over a province raises thousands, which EF's change tracking would make the slowest step.
            var raised = 0;
            await using (var writer = await RowWriter<Alert>.BeginAsync(db, cancellationToken))
            {
                foreach (var breach in breaches.Values.Where(b => !stillOpen.Contains((b.InstrumentId, b.Kind))))
                {
                    writer.Write(new Alert
                    {
                        Id = Guid.NewGuid(), UnitId = breach.UnitId, InstrumentId = breach.InstrumentId, Kind = breach.Kind,
                        Severity = breach.Severity, Message = breach.Message, RaisedAt = now, Since = breach.Since,
                        ReferenceDate = breach.Reference, ClearedBy = breach.ClearedBy,
                    });
                    raised++;
                }
                await writer.CompleteAsync(cancellationToken);
            }
            stages.Mark("raise");
            await transaction.CommitAsync(cancellationToken);
            stages.Mark("commit");
            db.ChangeTracker.Clear();
            await CalendarReadyCheck.CountProvisionalAsync(db, cancellationToken);
            stages.Mark("provisional count");
            return new SweepResult(true, null, now, facts.Count, raised, resolved, updated, breaches.Count, completed, 0);
        });
    }

    /// <summary>
    /// Service information is complete when the instrument states its share mode as shared (open or conditional), its
    /// service content and fee standard, and has a service offering that describes its process: the node records the
    /// first sweep that sees it so (docs/supervision.md).
    /// </summary>
    private Task<int> MarkServiceInfoCompleteAsync(DateTime now, CancellationToken cancellationToken)
    {
        var offerings = db.ServiceOfferings.IgnoreQueryFilters([Instrument.PublishedFilter]);
        return db.Instruments.IgnoreQueryFilters([Instrument.PublishedFilter])
            .Where(i => i.ServiceInfoCompletedAt == null && i.OnboardedAt != null
                && (i.ShareMode == ShareMode.Open || i.ShareMode == ShareMode.Conditional)
                && i.ServiceContent != null && i.ServiceContent != "" && i.FeeStandard != null && i.FeeStandard != ""
                && offerings.Any(o => o.InstrumentId == i.Id && o.Process != null && o.Process != ""))
            .ExecuteUpdateAsync(u => u.SetProperty(i => i.ServiceInfoCompletedAt, now).SetProperty(i => i.UpdatedAt, now), cancellationToken);
    }
}
