using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DxyqOpenData.Api.Datasets;

internal sealed class DatasetEntityTypeConfiguration : IEntityTypeConfiguration<Dataset>
{
    public void Configure(EntityTypeBuilder<Dataset> dataset)
    {
        dataset.HasKey(d => d.Id);
        dataset.Property(d => d.Id).ValueGeneratedNever();
        dataset.Property(d => d.UnitId).HasMaxLength(18).IsFixedLength();
        dataset.Property(d => d.ExternalId).HasMaxLength(64);
        dataset.Property(d => d.Title).HasMaxLength(300);
        dataset.Property(d => d.EnglishTitle).HasMaxLength(400);
        dataset.Property(d => d.Description).HasMaxLength(4000);
        dataset.Property(d => d.Keywords).HasMaxLength(500);
        dataset.Property(d => d.SubjectAreas).HasMaxLength(500);
        dataset.Property(d => d.License).HasMaxLength(64);
        dataset.Property(d => d.Doi).HasMaxLength(200);
        dataset.Property(d => d.LandingPage).HasMaxLength(500);
        dataset.Property(d => d.MediaType).HasMaxLength(100);
        dataset.HasIndex(d => new { d.UnitId, d.ExternalId }).IsUnique();
        dataset.HasIndex(d => d.InstrumentId);
        dataset.HasIndex(d => d.UpdatedAt);
        dataset.HasOne(d => d.Instrument).WithMany().HasForeignKey(d => d.InstrumentId).OnDelete(DeleteBehavior.SetNull);
        dataset.HasOne<Units.Unit>().WithMany().HasForeignKey(d => d.UnitId).OnDelete(DeleteBehavior.Restrict);
    }
}
