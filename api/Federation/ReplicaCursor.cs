using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Federation;

/// <summary>Where the harvest of one peer's set stands: the peer's feed cursor and the last time it caught up.</summary>
public sealed class ReplicaCursor
{
    public required string Node { get; set; }
    public required string EntitySet { get; set; }
    /// <summary>The peer's opaque token; null until the first page is applied.</summary>
    public string? Cursor { get; set; }
    /// <summary>When a harvest last read this set up to the end of the peer's feed.</summary>
    public DateTime? HarvestedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

internal sealed class ReplicaCursorConfiguration : IEntityTypeConfiguration<ReplicaCursor>
{
    public void Configure(EntityTypeBuilder<ReplicaCursor> cursor)
    {
        cursor.ToTable("replica_cursors");
        cursor.HasKey(c => new { c.Node, c.EntitySet });
        cursor.Property(c => c.Node).HasMaxLength(8);
        cursor.Property(c => c.EntitySet).HasMaxLength(32);
        cursor.Property(c => c.Cursor).HasMaxLength(1024);
    }
}
