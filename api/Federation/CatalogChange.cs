using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Federation;

/// <summary>
/// The change feed's log: per public row, the sequence number of its latest change (insert, update, delete, or a
/// change of what makes it public). Written only by database triggers (created by the Initial migration), so every write
/// path is captured: EF, linq2db bulk copy, ExecuteUpdate, raw SQL, cascades.
/// </summary>
public sealed class CatalogChange
{
    /// <summary><c>Instruments</c>, <c>ServiceOfferings</c> or <c>Datasets</c>.</summary>
    public required string EntitySet { get; set; }
    public Guid RowId { get; set; }
    public long Seq { get; set; }
}

internal sealed class CatalogChangeConfiguration : IEntityTypeConfiguration<CatalogChange>
{
    public void Configure(EntityTypeBuilder<CatalogChange> change)
    {
        change.ToTable("catalog_changes");
        change.HasKey(c => new { c.EntitySet, c.RowId });
        change.Property(c => c.EntitySet).HasMaxLength(32);
        change.HasIndex(c => new { c.EntitySet, c.Seq }).IsUnique();
    }
}
