using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Federation;

/// <summary>
/// The one counter row change sequence numbers are taken from. The trigger updates it inside the writing transaction,
/// so its row lock orders writers: a later transaction gets higher numbers and cannot commit before an earlier one.
/// </summary>
public sealed class CatalogChangeCounter
{
    public int Id { get; set; }
    public long Value { get; set; }
}

internal sealed class CatalogChangeCounterConfiguration : IEntityTypeConfiguration<CatalogChangeCounter>
{
    public void Configure(EntityTypeBuilder<CatalogChangeCounter> counter)
    {
        counter.ToTable("catalog_change_counter");
        counter.HasKey(c => c.Id);
        counter.Property(c => c.Id).ValueGeneratedNever();
        counter.HasData(new CatalogChangeCounter { Id = 1, Value = 0 });
    }
}
