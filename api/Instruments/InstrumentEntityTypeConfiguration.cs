using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DxyqOpenData.Api.Instruments;

internal sealed class InstrumentEntityTypeConfiguration : IEntityTypeConfiguration<Instrument>
{
    public void Configure(EntityTypeBuilder<Instrument> instrument)
    {
        instrument.HasKey(i => i.Id);
        instrument.Property(i => i.Id).ValueGeneratedNever();
        instrument.Property(i => i.UnitId).HasMaxLength(18).IsFixedLength();
        instrument.Property(i => i.InnerId).HasMaxLength(64);
        instrument.Property(i => i.Name).HasMaxLength(200);
        instrument.Property(i => i.EnglishName).HasMaxLength(300);
        instrument.Property(i => i.Model).HasMaxLength(200);
        instrument.Property(i => i.Manufacturer).HasMaxLength(200);
        instrument.Property(i => i.CountryOfOrigin).HasMaxLength(2).IsFixedLength();
        instrument.Property(i => i.CategoryCode).HasMaxLength(6).IsFixedLength();
        instrument.Property(i => i.PriceCny).HasColumnName("price_fen");
        instrument.Property(i => i.RegionCode).HasMaxLength(6).IsFixedLength();
        instrument.Property(i => i.Address).HasMaxLength(300);
        instrument.Property(i => i.SensorId).HasMaxLength(64);
        instrument.Property(i => i.TechnicalSpecs).HasMaxLength(4000);
        instrument.Property(i => i.MainFunctions).HasMaxLength(4000);
        instrument.Property(i => i.SubjectAreas).HasMaxLength(500);
        instrument.Property(i => i.ServiceContent).HasMaxLength(4000);
        instrument.Property(i => i.ServiceRequirements).HasMaxLength(2000);
        instrument.Property(i => i.FeeStandard).HasMaxLength(2000);
        instrument.Property(i => i.ServiceUrl).HasMaxLength(500);
        instrument.Property(i => i.ContactName).HasMaxLength(100);
        instrument.Property(i => i.ContactPhone).HasMaxLength(40);
        instrument.Property(i => i.ContactEmail).HasMaxLength(200);
        instrument.Property(i => i.CustomsDeclarationNo).HasMaxLength(32);
        instrument.Property(i => i.HsCode).HasMaxLength(10);
        instrument.Property(i => i.UpdatedAt).IsConcurrencyToken();

        // Confidential instruments are registered (报备) but never published (rule 1): not through the set, not
        // through a unit's navigation, not through an expansion. Supervision code that must see them asks with
        // IgnoreQueryFilters([Instrument.PublishedFilter]).
        instrument.HasQueryFilter(Instrument.PublishedFilter, i => !i.IsConfidential);

        instrument.HasIndex(i => new { i.UnitId, i.InnerId }).IsUnique();
        instrument.HasIndex(i => i.CategoryCode);
        instrument.HasIndex(i => i.RegionCode);
        // Price ranges, and the catalog's most common search (price range + name): the name and the published
        // flag ride in the index so counting and filtering never touch the wide rows.
        instrument.HasIndex(i => new { i.PriceCny, i.Name, i.IsConfidential });
        instrument.HasIndex(i => i.UpdatedAt);
        instrument.HasIndex(i => i.SensorId);
        instrument.HasIndex(i => i.LastSeenAt);

        instrument.HasOne(i => i.Sensor).WithMany().HasForeignKey(i => i.SensorId).OnDelete(DeleteBehavior.SetNull);
        instrument.HasMany(i => i.Offerings).WithOne(o => o.Instrument).HasForeignKey(o => o.InstrumentId).OnDelete(DeleteBehavior.Cascade);
    }
}
