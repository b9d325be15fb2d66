using System.Data.Common;
using System.Diagnostics;
using System.Text.Json;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Data.Reference;
using DxyqOpenData.Api.Operations;
using DxyqOpenData.Api.Security;
using DxyqOpenData.Federation;
using DxyqOpenData.Schemas;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Push;

/// <summary>
/// The push API's work (docs/push.md): read the body, reserve the Idempotency-Key, check every item (schema, then the
/// rules a schema cannot say, with one query per table), and write the valid ones in one transaction.
/// </summary>
internal sealed class PushService(CatalogDbContext db, PushOptions options, PushHooks hooks, IdempotencyKeys keys, TimeProvider clock, FederationOptions federation, ILogger<PushService> logger)
{
    public const string IdempotencyKeyHeader = IdempotencyKeys.Header;
    public const string ContinueOnError = "odata.continue-on-error";
    private const string ProblemJson = "application/problem+json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<PushResponse> HandleAsync(HttpContext http, PushKind kind, CancellationToken cancellationToken)
    {
        var unit = http.User.UnitId()!;
        IdempotencyKey? reserved = null;
        var stages = new PushStages();
        try
        {
            var ndjson = PushBody.IsNdjson(http.Request.ContentType);
            var body = await PushBody.ReadAsync(http.Request, options.MaxBytes, cancellationToken);
            stages.Mark("read");
            var items = PushBody.Parse(body, ndjson, options.MaxItems);
            stages.Mark("parse");
            var continueOnError = PrefersContinueOnError(http.Request);

            if (http.Request.Headers.TryGetValue(IdempotencyKeyHeader, out var keyHeader))
            {
                var (replay, row) = await ReserveAsync(http, kind, keyHeader, ndjson, continueOnError, body, cancellationToken);
                if (replay is not null)
                {
                    return replay;
                }
                reserved = row;
                if (hooks.AfterIdempotencyKeyReserved is { } hold)
                {
                    await hold(cancellationToken);
                }
            }

            var response = await ProcessAsync(kind, unit, items, continueOnError, reserved, http, stages, cancellationToken);
            if (reserved?.ResponseBody is not null)
            {
                reserved = null; // stored with the answer
            }
            return response;
        }
        catch (PushBodyException e)
        {
            return Problem(http, e.Status, e.Title, e.Detail, e.Extensions);
        }
        finally
        {
            if (reserved is not null)
            {
                // The push failed before it had an answer to remember: free the key so the client can retry.
                await ReleaseAsync(reserved);
            }
        }
    }

    private async Task<PushResponse> ProcessAsync(PushKind kind, string unit, IReadOnlyList<JsonElement> items, bool continueOnError,
        IdempotencyKey? reserved, HttpContext http, PushStages stages, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var batch = new PushBatch(db, unit, clock.GetUtcNow().UtcDateTime, items) { Stages = stages, NodeProvince = Regions.Default.ForNodeOrNull(federation.NodeCode) };
        batch.ReadKeys(kind.KeyProperty);

        // The shared schema, item by item (DocumentSchema is thread-safe): the bulk of the CPU work of a push.
        var schema = SchemaRegistry.Default.Find(kind.SchemaName, 1)!;
        var handler = kind.CreateHandler(batch);
        if (handler is IStreamingPushHandler streaming)
        {
            await using (streaming)
            {
                return await ProcessStreamingAsync(kind, streaming, batch, schema, continueOnError, reserved, http, cancellationToken);
            }
        }
        Parallel.For(0, items.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            var errors = schema.Validate(items[i]);
            if (errors.Count > 0)
            {
                batch.Fail(i, errors.Select(e => new PushItemError(e.Path, e.Message)));
            }
        });
        stages.Mark("validate");

        await handler.CheckAsync(cancellationToken);
        var rejected = batch.Rejections();
        var checkedMs = watch.ElapsedMilliseconds;

        if (rejected.Count > 0 && !continueOnError)
        {
            return await RefuseAsync(kind, http, items.Count, rejected, reserved, cancellationToken);
        }

        var created = 0;
        var updated = 0;
        var accepted = items.Count - rejected.Count;
        PushResponse response;
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (accepted > 0)
            {
                (created, updated) = await handler.WriteAsync(cancellationToken);
            }
            response = await CommitAsync(transaction, new PushResult(items.Count, accepted, created, updated, rejected), continueOnError, reserved, stages, cancellationToken);
        }
        catch (Exception e) when (e is DbUpdateException or DbException && !cancellationToken.IsCancellationRequested)
        {
            return Conflict(kind, unit, e, reserved, http);
        }
        catch (ReservationLostException)
        {
            return ReservationLost(http, reserved!);
        }
        Count(kind, "written", accepted);
        Count(kind, "rejected", rejected.Count);
        logger.LogInformation("Push {Kind} for unit {Unit}: {Received} received, {Created} created, {Updated} updated, {Rejected} rejected; checked in {CheckedMs} ms, written in {WrittenMs} ms",
            kind.Name, unit, items.Count, created, updated, rejected.Count, checkedMs, watch.ElapsedMilliseconds - checkedMs);
        logger.LogDebug("Push {Kind} stages (ms): {Stages}", kind.Name, stages);
        return response;
    }

    /// <summary>The 422 for invalid items without continue-on-error (nothing written), remembered for an Idempotency-Key.</summary>
    private async Task<PushResponse> RefuseAsync(PushKind kind, HttpContext http, int received, List<PushRejection> rejected,
        IdempotencyKey? reserved, CancellationToken cancellationToken)
    {
        var problem = Problem(http, StatusCodes.Status422UnprocessableEntity, "Invalid items",
            $"{rejected.Count} of {received} items are invalid; nothing was written. Fix them and push the batch again, " +
            $"or send 'Prefer: {ContinueOnError}' to write the valid items.",
            new Dictionary<string, object?>
            {
                ["received"] = received,
                ["rejected"] = rejected,
                ["errors"] = rejected.SelectMany(r => r.Errors.Select(e => new PushItemError($"/{r.Index}{e.Path}", e.Message))).ToList(),
            });
        if (reserved is not null)
        {
            await RememberAsync(reserved, problem, cancellationToken); // nothing was written either way
        }
        Count(kind, "rejected", rejected.Count);
        return problem;
    }

    /// <summary>Items per chunk of the pipeline: validated on all cores while the previous chunk's rows are written.</summary>
    internal const int ChunkSize = 500;

    /// <summary>
    /// The pipeline for kinds that write chunk by chunk (<see cref="IStreamingPushHandler"/>): the rules' lookups by the
    /// keys as sent run while the first chunk is validated; then, inside one transaction, chunk k's rows are written
    /// (PostgreSQL's COPY, where the server works on them at once; SQLite's prepared INSERT) while chunk k+1 is
    /// validated and read on the other cores. Verdicts are the same as checking the whole batch first: items are
    /// checked in order with the same rules. An invalid item without continue-on-error stops the writing, the
    /// transaction is rolled back and the answer is the same 422 with every invalid item.
    /// </summary>
    private async Task<PushResponse> ProcessStreamingAsync(PushKind kind, IStreamingPushHandler handler, PushBatch batch, DocumentSchema schema,
        bool continueOnError, IdempotencyKey? reserved, HttpContext http, CancellationToken cancellationToken)
    {
        var stages = batch.Stages;
        var items = batch.Items;
        var chunks = (items.Count + ChunkSize - 1) / ChunkSize;
        var parallel = new ParallelOptions { CancellationToken = cancellationToken };
        long validateTicks = 0, readTicks = 0, writeTicks = 0;
        void Prepare(int chunk) => Parallel.For(chunk * ChunkSize, Math.Min(items.Count, (chunk + 1) * ChunkSize), parallel, i =>
        {
            var t0 = Stopwatch.GetTimestamp();
            var errors = schema.Validate(items[i]);
            var t1 = Stopwatch.GetTimestamp();
            Interlocked.Add(ref validateTicks, t1 - t0);
            if (errors.Count > 0)
            {
                batch.Fail(i, errors.Select(e => new PushItemError(e.Path, e.Message)));
            }
            else
            {
                handler.Read(i);
                Interlocked.Add(ref readTicks, Stopwatch.GetTimestamp() - t1);
            }
        });

        var load = Task.Run(() => handler.LoadAsync(cancellationToken), cancellationToken);
        try
        {
            Prepare(0);
        }
        finally
        {
            await load;
        }
        stages.Mark("lookups and first chunk");

        int created, updated;
        List<PushRejection> rejected;
        PushResponse response;
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await handler.BeginWriteAsync(cancellationToken);
            var writing = true;
            for (var chunk = 0; chunk < chunks; chunk++)
            {
                var next = chunk + 1;
                var prepared = next < chunks ? Task.Run(() => Prepare(next), cancellationToken) : Task.CompletedTask;
                try
                {
                    var (from, to) = (chunk * ChunkSize, Math.Min(items.Count, next * ChunkSize));
                    handler.Check(from, to);
                    // Without continue-on-error, the first invalid item ends the writing (the rest is only checked).
                    writing = writing && (continueOnError || Enumerable.Range(from, to - from).All(batch.IsValid));
                    if (writing)
                    {
                        var w0 = Stopwatch.GetTimestamp();
                        await handler.WriteNewAsync(from, to, cancellationToken);
                        writeTicks += Stopwatch.GetTimestamp() - w0;
                    }
                }
                finally
                {
                    await prepared;
                }
            }
            stages.Mark("check and write");
            logger.LogDebug("Push summed over threads (ms): validate {V:F1}, read {R:F1}, write chunks {W:F1}", Stopwatch.GetElapsedTime(0, validateTicks).TotalMilliseconds,
                Stopwatch.GetElapsedTime(0, readTicks).TotalMilliseconds, Stopwatch.GetElapsedTime(0, writeTicks).TotalMilliseconds);
            rejected = batch.Rejections();
            if (rejected.Count > 0 && !continueOnError)
            {
                await handler.DisposeAsync(); // abandons the COPY
                await transaction.RollbackAsync(cancellationToken);
                return await RefuseAsync(kind, http, items.Count, rejected, reserved, cancellationToken);
            }
            (created, updated) = await handler.CompleteWriteAsync(cancellationToken);
            response = await CommitAsync(transaction, new PushResult(items.Count, items.Count - rejected.Count, created, updated, rejected),
                continueOnError, reserved, stages, cancellationToken);
        }
        catch (Exception e) when (e is DbUpdateException or DbException && !cancellationToken.IsCancellationRequested)
        {
            return Conflict(kind, batch.UnitId, e, reserved, http);
        }
        catch (ReservationLostException)
        {
            return ReservationLost(http, reserved!);
        }
        Count(kind, "written", items.Count - rejected.Count);
        Count(kind, "rejected", rejected.Count);
        logger.LogInformation("Push {Kind} for unit {Unit}: {Received} received, {Created} created, {Updated} updated, {Rejected} rejected in {Ms} ms (pipelined)",
            kind.Name, batch.UnitId, items.Count, created, updated, rejected.Count, (long)stages.Elapsed.TotalMilliseconds);
        logger.LogDebug("Push {Kind} stages (ms): {Stages}", kind.Name, stages);
        return response;
    }

    /// <summary>The 200 answer, stored for an Idempotency-Key in the same transaction as the rows, then the commit.</summary>
    private async Task<PushResponse> CommitAsync(Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction transaction, PushResult result,
        bool continueOnError, IdempotencyKey? reserved, PushStages stages, CancellationToken cancellationToken)
    {
        var response = Success(result, continueOnError);
        if (reserved is not null && !await RememberAsync(reserved, response, cancellationToken))
        {
            // The reservation ran out and another request holds the key now: nothing of this push is committed.
            throw new ReservationLostException();
        }
        stages.Mark("write");
        await transaction.CommitAsync(cancellationToken);
        stages.Mark("commit");
        return response;
    }

    /// <summary>Two pushes creating the same key at once: the loser's transaction is rolled back, nothing of it written.</summary>
    private PushResponse Conflict(PushKind kind, string unit, Exception e, IdempotencyKey? reserved, HttpContext http)
    {
        logger.LogWarning(e, "Push of {Kind} for unit {Unit} conflicted with a concurrent write", kind.Name, unit);
        db.ChangeTracker.Clear();
        if (reserved is not null)
        {
            reserved.ResponseBody = null; // not stored: the key is freed for the retry
        }
        return Problem(http, StatusCodes.Status409Conflict, "Conflicting write",
            "Another push wrote some of the same keys at the same time; nothing of this push was written. Send it again.", null);
    }

    private static PushResponse Success(PushResult result, bool continueOnError) => new(
        StatusCodes.Status200OK, "application/json; charset=utf-8", JsonSerializer.SerializeToUtf8Bytes(result, Json),
        continueOnError ? new Dictionary<string, string> { ["Preference-Applied"] = ContinueOnError } : new Dictionary<string, string>());

    // --- Idempotency-Key ---------------------------------------------------------------------------------------

    private async Task<(PushResponse? Replay, IdempotencyKey? Row)> ReserveAsync(HttpContext http, PushKind kind,
        Microsoft.Extensions.Primitives.StringValues header, bool ndjson, bool continueOnError, byte[] body, CancellationToken cancellationToken)
    {
        var request = $"POST /api/v1/push/{kind.Name}\n{(ndjson ? "ndjson" : "json")}\n{continueOnError}\n";
        var (replay, row) = await keys.ReserveAsync(http, header, request, body, cancellationToken);
        if (replay is null || !replay.Headers.ContainsKey("Idempotent-Replayed"))
        {
            return (replay, row);
        }
        Count(kind, "replayed", 1);
        if (replay.Status == StatusCodes.Status200OK && continueOnError)
        {
            replay = replay with { Headers = new Dictionary<string, string>(replay.Headers) { ["Preference-Applied"] = ContinueOnError } };
        }
        return (replay, null);
    }

    private Task<bool> RememberAsync(IdempotencyKey row, PushResponse response, CancellationToken cancellationToken) =>
        keys.RememberAsync(row, response, cancellationToken);

    /// <summary>The push ran past its reservation and another request took the key: nothing of it was committed.</summary>
    private PushResponse ReservationLost(HttpContext http, IdempotencyKey reserved)
    {
        db.ChangeTracker.Clear();
        reserved.ResponseBody = ""; // not ours to release any more
        return Problem(http, StatusCodes.Status409Conflict, "Idempotency-Key reservation expired",
            $"This push ran longer than its Idempotency-Key's reservation ({options.IdempotencyKeyReservationTimeout}) and the key was " +
            "taken by another request; nothing of this push was written. Replay it to read the other request's answer.", null);
    }

    private Task ReleaseAsync(IdempotencyKey row) => keys.ReleaseAsync(row);

    // --- helpers -----------------------------------------------------------------------------------------------

    private static bool PrefersContinueOnError(HttpRequest request) =>
        request.Headers["Prefer"].SelectMany(v => (v ?? "").Split(','))
            .Any(p => p.Split(';')[0].Trim().Equals(ContinueOnError, StringComparison.OrdinalIgnoreCase)
                   || p.Split(';')[0].Trim().Equals("continue-on-error", StringComparison.OrdinalIgnoreCase));

    private static void Count(PushKind kind, string outcome, int n)
    {
        if (n > 0)
        {
            NodeMetrics.ItemsIngested.WithLabels("push", kind.Name, outcome).Inc(n);
        }
    }

    internal static PushResponse Problem(HttpContext http, int status, string title, string detail, IReadOnlyDictionary<string, object?>? extensions)
    {
        var problem = new Dictionary<string, object?>
        {
            ["type"] = status switch
            {
                StatusCodes.Status400BadRequest or StatusCodes.Status422UnprocessableEntity => ProblemTypes.Validation,
                StatusCodes.Status403Forbidden => ProblemTypes.Forbidden,
                StatusCodes.Status409Conflict => ProblemTypes.Conflict,
                StatusCodes.Status413PayloadTooLarge => ProblemTypes.PayloadTooLarge,
                StatusCodes.Status415UnsupportedMediaType => ProblemTypes.UnsupportedMediaType,
                _ => ProblemTypes.ServerError,
            },
            ["title"] = title,
            ["status"] = status,
            ["detail"] = detail,
        };
        foreach (var (name, value) in extensions ?? new Dictionary<string, object?>())
        {
            problem[name] = value;
        }
        problem["traceId"] = Activity.Current?.Id ?? http.TraceIdentifier;
        return new PushResponse(status, ProblemJson, JsonSerializer.SerializeToUtf8Bytes(problem, Json), new Dictionary<string, string>());
    }
}
