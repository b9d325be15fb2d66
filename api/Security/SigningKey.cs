using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DxyqOpenData.Api.Security;

/// <summary>
/// An RSA key that signs this node's access tokens, kept in the database so every instance signs and validates with
/// the same keys and tokens outlive a restart. The newest unretired key signs; retired ones still validate.
/// </summary>
public sealed class SigningKey
{
    /// <summary><c>sig-1</c>, <c>sig-2</c>, …: the JWT <c>kid</c>.</summary>
    public required string Id { get; set; }
    public int Generation { get; set; }
    /// <summary>The private key, PKCS#8 PEM.</summary>
    public required string Pem { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>Set by <c>keys rotate</c>: no longer signs; still validates until <c>keys prune</c> removes it.</summary>
    public DateTime? RetiredAt { get; set; }
}

internal sealed class SigningKeyEntityTypeConfiguration : IEntityTypeConfiguration<SigningKey>
{
    public void Configure(EntityTypeBuilder<SigningKey> key)
    {
        key.HasKey(k => k.Id);
        key.Property(k => k.Id).HasMaxLength(32);
        key.Property(k => k.Pem).HasMaxLength(8000);
        key.HasIndex(k => k.Generation).IsUnique();
    }
}
