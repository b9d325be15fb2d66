using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DxyqOpenData.Api.ServiceOfferings;

internal sealed class ServiceOfferingEntityTypeConfiguration : IEntityTypeConfiguration<ServiceOffering>
{
    public void Configure(EntityTypeBuilder<ServiceOffering> offering)
    {
        offering.HasKey(o => o.Id);
        offering.Property(o => o.Id).ValueGeneratedNever();
        offering.Property(o => o.UnitId).HasMaxLength(18).IsFixedLength();
        offering.Property(o => o.ExternalId).HasMaxLength(64);
        offering.Property(o => o.Name).HasMaxLength(200);
        offering.Property(o => o.Description).HasMaxLength(4000);
        offering.Property(o => o.Process).HasMaxLength(2000);
        offering.Property(o => o.FeeCny).HasColumnName("fee_fen");
        // A confidential instrument's offerings are as unpublished as the instrument.
        offering.HasQueryFilter(Instruments.Instrument.PublishedFilter, o => !o.Instrument!.IsConfidential);
        offering.HasIndex(o => new { o.UnitId, o.ExternalId }).IsUnique();
        offering.HasIndex(o => o.InstrumentId);
        offering.HasIndex(o => o.UpdatedAt);
        offering.HasOne<Units.Unit>().WithMany().HasForeignKey(o => o.UnitId).OnDelete(DeleteBehavior.Restrict);
    }
}
