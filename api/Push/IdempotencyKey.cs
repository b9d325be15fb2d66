using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DxyqOpenData.Api.Push;

/// <summary>
/// One <c>Idempotency-Key</c> a client sent with a push (draft-ietf-httpapi-idempotency-key-header): the request's
/// fingerprint and, once the push finished, the answer it got, so a replay gets the same answer and writes nothing.
/// A row without a response is a push still in flight. Rows expire after 24 hours.
/// </summary>
public sealed class IdempotencyKey
{
    /// <summary>The OAuth client that sent the key (<c>client_id</c>): keys are scoped to the client.</summary>
    public required string ClientId { get; set; }

    /// <summary>The header's value, as sent.</summary>
    public required string Key { get; set; }

    /// <summary>SHA-256 (hex) of the route and the request body: the same key with another request is refused.</summary>
    public required string RequestHash { get; set; }

    /// <summary>HTTP status of the first answer; 0 while the push is in flight.</summary>
    public int Status { get; set; }

    /// <summary>Media type of the first answer.</summary>
    public string? ContentType { get; set; }

    /// <summary>The first answer's body (UTF-8 JSON); null while the push is in flight.</summary>
    public string? ResponseBody { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? CompletedAt { get; set; }
}

internal sealed class IdempotencyKeyEntityTypeConfiguration : IEntityTypeConfiguration<IdempotencyKey>
{
    public void Configure(EntityTypeBuilder<IdempotencyKey> key)
    {
        key.ToTable("idempotency_keys");
        key.HasKey(k => new { k.ClientId, k.Key });
        key.Property(k => k.ClientId).HasMaxLength(100);
        key.Property(k => k.Key).HasMaxLength(255);
        key.Property(k => k.RequestHash).HasMaxLength(64);
        key.Property(k => k.ContentType).HasMaxLength(100);
        key.HasIndex(k => k.CreatedAt);
    }
}
