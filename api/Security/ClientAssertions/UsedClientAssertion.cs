using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DxyqOpenData.Api.Security.ClientAssertions;

/// <summary>
/// A client assertion (<c>private_key_jwt</c>) the node has accepted, by its client and <c>jti</c>, until it expires: the
/// key refuses a replay on any instance on the database and across restarts. Expired rows are deleted as new ones come.
/// </summary>
public sealed class UsedClientAssertion
{
    public required string ClientId { get; set; }
    public required string Jti { get; set; }
    /// <summary>The assertion's <c>exp</c> plus the clock skew: after it, the assertion is refused as expired anyway.</summary>
    public DateTime ExpiresAt { get; set; }
}

internal sealed class UsedClientAssertionEntityTypeConfiguration : IEntityTypeConfiguration<UsedClientAssertion>
{
    public void Configure(EntityTypeBuilder<UsedClientAssertion> assertion)
    {
        assertion.ToTable("used_client_assertions");
        assertion.HasKey(a => new { a.ClientId, a.Jti });
        assertion.Property(a => a.ClientId).HasMaxLength(100);
        assertion.Property(a => a.Jti).HasMaxLength(ClientAssertionRules.MaxJtiLength);
        assertion.HasIndex(a => a.ExpiresAt);
    }
}
