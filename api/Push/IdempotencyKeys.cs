using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using DxyqOpenData.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Push;

/// <summary>
/// The <c>Idempotency-Key</c> mechanism of the push API, shared by every POST that takes one (pushes, voucher
/// reconciliations): reserve the key for the request's fingerprint, replay the stored answer, refuse the same key with
/// another request (422) or while the first is in flight (409; a reservation that never answered is taken over after
/// <c>Push:IdempotencyKeyReservationTimeout</c>). The caller stores its answer with <see cref="RememberAsync"/>
/// in the transaction of its writes, or frees the key with <see cref="ReleaseAsync"/> when it has no answer to keep.
/// </summary>
internal sealed class IdempotencyKeys(CatalogDbContext db, PushOptions options, ILogger<IdempotencyKeys> logger)
{
    public const string Header = "Idempotency-Key";

    /// <summary>
    /// Reserves the key of <paramref name="header"/> for the request <paramref name="request"/> (route and options, one
    /// line each) with <paramref name="body"/>: the stored answer when it is a replay, else the reserved row. A 400 for
    /// a malformed key is thrown as a <see cref="PushBodyException"/>.
    /// </summary>
    public async Task<(PushResponse? Replay, IdempotencyKey? Row)> ReserveAsync(HttpContext http,
        Microsoft.Extensions.Primitives.StringValues header, string request, byte[] body, CancellationToken cancellationToken)
    {
        var key = header.Count == 1 ? header[0]!.Trim() : "";
        // The draft makes the key an sf-string ("…"); plain tokens are taken as they are.
        if (key.Length >= 2 && key[0] == '"' && key[^1] == '"')
        {
            key = key[1..^1];
        }
        if (key.Length is 0 or > 255 || key.Any(c => c < 0x20 || c > 0x7E))
        {
            throw new PushBodyException(StatusCodes.Status400BadRequest, "Invalid Idempotency-Key",
                "Send one Idempotency-Key of 1 to 255 printable ASCII characters (a UUID is a good choice).");
        }
        var clientId = ClientIdOf(http.User) ?? throw new PushBodyException(StatusCodes.Status400BadRequest, "Invalid Idempotency-Key", "The token names no client; an Idempotency-Key needs one.");

        var hash = Fingerprint(request, body);
        // Milliseconds: the reservation's time is compared for equality after a round trip through any database.
        var now = DateTime.UtcNow;
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond));
        var expired = now - options.IdempotencyKeyLifetime;
        await db.IdempotencyKeys.Where(k => k.CreatedAt < expired).ExecuteDeleteAsync(cancellationToken);

        var existing = await db.IdempotencyKeys.AsNoTracking().SingleOrDefaultAsync(k => k.ClientId == clientId && k.Key == key, cancellationToken);
        if (existing is null)
        {
            // The primary key decides between two requests racing with a new key: the loser finds the winner's row.
            var row = new IdempotencyKey { ClientId = clientId, Key = key, RequestHash = hash, CreatedAt = now };
            db.IdempotencyKeys.Add(row);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return (null, row);
            }
            catch (DbUpdateException)
            {
                db.ChangeTracker.Clear();
            }
            existing = await db.IdempotencyKeys.AsNoTracking().SingleOrDefaultAsync(k => k.ClientId == clientId && k.Key == key, cancellationToken);
        }
        if (existing is not null && existing.RequestHash != hash)
        {
            return (PushService.Problem(http, StatusCodes.Status422UnprocessableEntity, "Idempotency-Key reused",
                $"Idempotency-Key '{key}' was already used for a different request (another body, route or preference). Use a new key for a new request.", null), null);
        }
        if (existing is not null && existing.ResponseBody is null && existing.CreatedAt <= now - options.IdempotencyKeyReservationTimeout)
        {
            // Its request never answered in time (its node died, or it is still running and will not commit): this request
            // takes the key over, unless another one just did.
            var taken = await db.IdempotencyKeys
                .Where(k => k.ClientId == clientId && k.Key == key && k.ResponseBody == null && k.CreatedAt == existing.CreatedAt)
                .ExecuteUpdateAsync(k => k.SetProperty(x => x.CreatedAt, now), cancellationToken);
            if (taken == 1)
            {
                existing.CreatedAt = now;
                return (null, existing);
            }
            existing = await db.IdempotencyKeys.AsNoTracking().SingleOrDefaultAsync(k => k.ClientId == clientId && k.Key == key, cancellationToken);
        }
        if (existing is null || existing.ResponseBody is null)
        {
            var released = (existing?.CreatedAt ?? now) + options.IdempotencyKeyReservationTimeout;
            return (PushService.Problem(http, StatusCodes.Status409Conflict, "Request in progress",
                $"A request with Idempotency-Key '{key}' is still being processed; wait for its answer, then replay it to read the answer again. " +
                $"If it never answers (its node stopped), the key can be used again from {DateTime.SpecifyKind(released, DateTimeKind.Utc):yyyy-MM-ddTHH:mm:ss.fffZ}.",
                new Dictionary<string, object?> { ["retryAfter"] = DateTime.SpecifyKind(released, DateTimeKind.Utc) }), null);
        }
        var headers = new Dictionary<string, string> { ["Idempotent-Replayed"] = "true" };
        return (new PushResponse(existing.Status, existing.ContentType ?? "application/json", Encoding.UTF8.GetBytes(existing.ResponseBody), headers), null);
    }

    /// <summary>The OAuth client a token was issued to: keys (and a voucher system's reconciliations) are the client's.</summary>
    public static string? ClientIdOf(System.Security.Claims.ClaimsPrincipal user) =>
        user.FindFirst("client_id")?.Value ?? user.FindFirst("azp")?.Value ?? user.FindFirst("sub")?.Value;

    /// <summary>
    /// Stores the answer on the key, only if the request still holds its reservation (it did not run out and get taken
    /// over); false if it does not. Call it inside the transaction of the request's writes.
    /// </summary>
    public async Task<bool> RememberAsync(IdempotencyKey row, PushResponse response, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetString(response.Body);
        var completed = DateTime.UtcNow;
        var stored = await db.IdempotencyKeys
            .Where(k => k.ClientId == row.ClientId && k.Key == row.Key && k.ResponseBody == null && k.CreatedAt == row.CreatedAt)
            .ExecuteUpdateAsync(k => k
                .SetProperty(x => x.Status, response.Status)
                .SetProperty(x => x.ContentType, response.ContentType)
                .SetProperty(x => x.ResponseBody, body)
                .SetProperty(x => x.CompletedAt, completed), cancellationToken);
        if (stored == 1)
        {
            row.ResponseBody = body;
        }
        return stored == 1;
    }

    /// <summary>Frees a key whose request ended without an answer to keep, so the client can retry.</summary>
    public async Task ReleaseAsync(IdempotencyKey row)
    {
        try
        {
            db.ChangeTracker.Clear();
            await db.IdempotencyKeys.Where(k => k.ClientId == row.ClientId && k.Key == row.Key && k.ResponseBody == null && k.CreatedAt == row.CreatedAt)
                .ExecuteDeleteAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is DbException or InvalidOperationException)
        {
            logger.LogWarning(e, "Could not release Idempotency-Key {Key} of client {Client}", row.Key, row.ClientId);
        }
    }

    private static string Fingerprint(string request, byte[] body)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(request));
        sha.AppendData(body);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
