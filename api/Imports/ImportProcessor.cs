using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Data.Leases;
using DxyqOpenData.Api.Data.Reference;
using DxyqOpenData.Federation;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Imports;

/// <summary>Settings of <c>/api/v1/imports</c> (section <c>Imports</c>).</summary>
public sealed class ImportOptions
{
    /// <summary>Largest file accepted, in bytes (default 20 MiB).</summary>
    [Range(1024L, long.MaxValue, ErrorMessage = "Imports:MaxBytes must be at least {1}.")]
    public long MaxBytes { get; set; } = 20 * 1024 * 1024;
    /// <summary>Most data rows in one file (default 50,000).</summary>
    [Range(1, 10_000_000, ErrorMessage = "Imports:MaxRows must be from {1} to {2}.")]
    public int MaxRows { get; set; } = 50_000;
    /// <summary>Imports waiting in memory for the worker; beyond it an upload waits (its job is already stored).</summary>
    [Range(1, 100_000, ErrorMessage = "Imports:QueueCapacity must be from {1} to {2}.")]
    public int QueueCapacity { get; set; } = 100;
    /// <summary>
    /// Days an uploaded file is kept after its import finished (default 30); then its bytes are dropped and only the
    /// results stay. 0 drops a file as soon as its import finishes.
    /// </summary>
    [Range(0, 36_500, ErrorMessage = "Imports:FileRetentionDays must be from {1} to {2}.")]
    public int FileRetentionDays { get; set; } = 30;
    /// <summary>How long an import's lease lasts unrenewed: a node that died mid-file loses it after this (default 30 s).</summary>
    [Range(typeof(TimeSpan), "00:00:02", "01:00:00", ErrorMessage = "Imports:LeaseDuration must be from {1} to {2}.")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>How often each node looks for imports nobody holds — those of a node that died (default 15 s).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Imports:OrphanScanInterval must be from {1} to {2}.")]
    public TimeSpan OrphanScanInterval { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>
/// Processes imports one at a time in the background. The job and its file are in the <c>imports</c> table, so the
/// work is durable. A node processes an import while it holds the import's lease (<c>import:{id}</c>, renewed while it
/// works), so of several nodes on one database one processes it; every <see cref="ImportOptions.OrphanScanInterval"/> (and at start)
/// each node takes up the imports still queued or running that nobody holds — those of a node that died mid-file.
/// The valid rows of an import are written in one transaction at the end; invalid rows are reported, not written.
/// </summary>
public sealed class ImportProcessor(IServiceProvider services, ImportQueue queue, ImportOptions options, ILogger<ImportProcessor> logger) : BackgroundService
{
    public const string Queued = "queued", Running = "running", Completed = "completed", Failed = "failed";

    private const int ProgressEvery = 200;

    private static string LeaseName(Guid id) => $"import:{id}";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await ResumeAsync(stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The database may not be migrated yet (commands, first start): new uploads are still queued.
            logger.LogWarning(e, "Could not look for unfinished imports");
        }
        await PurgeFilesAsync(stoppingToken);
        _ = ScanForOrphansAsync(stoppingToken);
        await foreach (var id in queue.ReadAllAsync(stoppingToken))
        {
            try
            {
                // Before the import rather than after it: its own report is out as soon as it is done.
                await PurgeFilesAsync(stoppingToken);
                await ProcessAsync(id, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return; // still running in the table: resumed at the next start
            }
            catch (Exception e)
            {
                logger.LogError(e, "Import {ImportId} failed", id);
                await MarkFailedAsync(id, "the import could not be processed; nothing was written (see the node's log)");
            }
        }
    }

    /// <summary>Queues the unfinished imports whose lease nobody holds (this node's own, stopped mid-way, included).</summary>
    private async Task ResumeAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
        var unfinished = await db.Imports.Where(j => j.Status == Queued || j.Status == Running)
            .OrderBy(j => j.CreatedAt).Select(j => j.Id).ToListAsync(cancellationToken);
        if (unfinished.Count == 0)
        {
            return;
        }
        var now = DateTime.UtcNow;
        var held = (await db.Set<Lease>().Where(l => l.Name.StartsWith("import:") && l.ExpiresAt > now).Select(l => l.Name).ToListAsync(cancellationToken)).ToHashSet();
        foreach (var id in unfinished.Where(id => !held.Contains(LeaseName(id))))
        {
            await queue.EnqueueAsync(id, cancellationToken);
        }
    }

    private async Task ScanForOrphansAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.OrphanScanInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await ResumeAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning("Could not look for unfinished imports: {Message}", e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Processes the import if this node gets its lease, renewing the lease until it is done.</summary>
    internal async Task ProcessAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var hold = await LeaseHold.TryTakeAsync(services.GetRequiredService<IServiceScopeFactory>(), LeaseName(id), options.LeaseDuration, logger, cancellationToken);
        if (hold is null)
        {
            return; // another node is on it
        }
        await ProcessLeasedAsync(id, cancellationToken);
    }

    private async Task ProcessLeasedAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
        var job = await db.Imports.AsTracking().SingleOrDefaultAsync(j => j.Id == id, cancellationToken);
        if (job is null || job.Status is Completed or Failed)
        {
            return;
        }
        job.Status = Running;
        job.ProcessedRows = 0;
        await db.SaveChangesAsync(cancellationToken);

        ImportFile file;
        RowMapper mapper;
        try
        {
            file = ImportFile.Read(job.Content, job.FileName, options.MaxRows);
            mapper = RowMapper.ForHeader(ImportTemplates.Find(job.Kind)!, file.Header);
        }
        catch (ImportFileException e)
        {
            await FinishAsync(db, job, Failed, 0, [], e.Message, cancellationToken);
            return;
        }
        job.TotalRows = file.Rows.Count;
        await db.SaveChangesAsync(cancellationToken);

        var rejected = new List<RejectedRow>();
        var documents = new List<DocumentItem>();
        foreach (var row in file.Rows)
        {
            var (document, errors) = mapper.Map(row);
            if (document is null) { rejected.AddRange(errors); }
            else { documents.Add(new DocumentItem(row.Number, document)); }
            if (++job.ProcessedRows % ProgressEvery == 0)
            {
                await db.SaveChangesAsync(cancellationToken);
            }
        }

        // All valid rows in one transaction, in a context of their own (the job's progress is not part of it), checked and
        // written by the push API's handler for the kind: the unit binding and references are the push API's.
        IReadOnlyList<ItemRejection> refused;
        await using (var writeScope = services.CreateAsyncScope())
        {
            var writeDb = writeScope.ServiceProvider.GetRequiredService<CatalogDbContext>();
            var nodeProvince = Regions.Default.ForNodeOrNull(writeScope.ServiceProvider.GetRequiredService<FederationOptions>().NodeCode);
            refused = await UnitDocumentWrite.WriteAsync(writeDb, job.Kind, job.UnitId, nodeProvince, documents, cancellationToken);
        }
        rejected.AddRange(refused.Select(r => new RejectedRow(r.Index, r.Field is null ? null : mapper.HeaderOf(r.Field), r.Reason)));
        var accepted = documents.Count - refused.Select(r => r.Index).Distinct().Count();
        await FinishAsync(db, job, Completed, accepted, rejected, null, cancellationToken);
    }

    private static async Task FinishAsync(CatalogDbContext db, ImportJob job, string status, int accepted, List<RejectedRow> rejected, string? error, CancellationToken cancellationToken)
    {
        job.Status = status;
        job.Accepted = accepted;
        job.ProcessedRows = job.TotalRows;
        job.Rejected = JsonSerializer.Serialize(rejected.OrderBy(r => r.Row), Json);
        job.Error = error;
        job.CompletedAt = DateTime.UtcNow;
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>
    /// Drops the bytes of files whose import finished more than <see cref="ImportOptions.FileRetentionDays"/> ago (run at
    /// start and before each import): the file is needed only until its import is done; its results stay.
    /// </summary>
    internal async Task<int> PurgeFilesAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
            var before = DateTime.UtcNow.AddDays(-Math.Max(0, options.FileRetentionDays));
            var dropped = Array.Empty<byte>();
            return await db.Imports
                .Where(j => (j.Status == Completed || j.Status == Failed) && j.CompletedAt <= before && j.Content != dropped)
                .ExecuteUpdateAsync(u => u.SetProperty(j => j.Content, dropped), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not drop the files of finished imports");
            return 0;
        }
    }

    private async Task MarkFailedAsync(Guid id, string error)
    {
        try
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
            if (await db.Imports.AsTracking().SingleOrDefaultAsync(j => j.Id == id) is { } job)
            {
                job.Status = Failed;
                job.Error = error;
                job.CompletedAt = DateTime.UtcNow;
                await db.SaveChangesAsync();
            }
        }
        catch (Exception e)
        {
            logger.LogError(e, "Could not mark import {ImportId} failed", id);
        }
    }
}
