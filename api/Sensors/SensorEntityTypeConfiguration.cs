using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DxyqOpenData.Api.Sensors;

internal sealed class SensorEntityTypeConfiguration : IEntityTypeConfiguration<Sensor>
{
    public void Configure(EntityTypeBuilder<Sensor> sensor)
    {
        sensor.HasKey(s => s.Id);
        sensor.Property(s => s.Id).HasMaxLength(64);
        sensor.Property(s => s.UnitId).HasMaxLength(18).IsFixedLength();
        sensor.Property(s => s.Format).HasMaxLength(64);
        sensor.Property(s => s.Vendor).HasMaxLength(100);
        sensor.Property(s => s.Model).HasMaxLength(100);
        sensor.Property(s => s.SecretHash).HasMaxLength(200);
        sensor.HasIndex(s => s.InstrumentId);
        sensor.HasIndex(s => s.UnitId);
        sensor.HasIndex(s => s.UpdatedAt);
        sensor.HasOne<Units.Unit>().WithMany().HasForeignKey(s => s.UnitId).OnDelete(DeleteBehavior.Restrict);
    }
}
