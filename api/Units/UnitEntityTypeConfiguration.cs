using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DxyqOpenData.Api.Units;

internal sealed class UnitEntityTypeConfiguration : IEntityTypeConfiguration<Unit>
{
    public void Configure(EntityTypeBuilder<Unit> unit)
    {
        unit.HasKey(u => u.Id);
        unit.Property(u => u.Id).HasMaxLength(18).IsFixedLength();
        unit.Property(u => u.Name).HasMaxLength(200);
        unit.Property(u => u.EnglishName).HasMaxLength(300);
        unit.Property(u => u.RegionCode).HasMaxLength(6).IsFixedLength();
        unit.Property(u => u.CityCode).HasMaxLength(6).IsFixedLength();
        unit.Property(u => u.Address).HasMaxLength(300);
        unit.Property(u => u.Website).HasMaxLength(300);
        unit.Property(u => u.SharedFacilityName).HasMaxLength(200);
        unit.HasIndex(u => u.RegionCode);
        unit.HasIndex(u => u.CityCode);
        unit.HasIndex(u => u.UpdatedAt);
        unit.HasMany(u => u.Instruments).WithOne(i => i.Unit).HasForeignKey(i => i.UnitId).OnDelete(DeleteBehavior.Restrict);
    }
}
