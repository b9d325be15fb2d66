using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DxyqOpenData.Api.UsageSessions;

internal sealed class UsageSessionEntityTypeConfiguration : IEntityTypeConfiguration<UsageSession>
{
    public void Configure(EntityTypeBuilder<UsageSession> session)
    {
        session.HasKey(s => s.Id);
        session.Property(s => s.Id).ValueGeneratedNever();
        session.Property(s => s.UnitId).HasMaxLength(18).IsFixedLength();
        session.Property(s => s.SensorId).HasMaxLength(64);
        session.HasIndex(s => new { s.InstrumentId, s.StartedAt });
        session.HasIndex(s => new { s.UnitId, s.StartedAt });
        session.HasIndex(s => s.StartedAt);
        // A sensor's run is one row: the bridge closes the row it (or the demo) opened, never adds a second.
        session.HasIndex(s => new { s.SensorId, s.StartedAt }).IsUnique();
        session.HasOne(s => s.Instrument).WithMany().HasForeignKey(s => s.InstrumentId).OnDelete(DeleteBehavior.Cascade);
        // A confidential instrument's running hours are as unpublished as the instrument.
        session.HasQueryFilter(Instruments.Instrument.PublishedFilter, s => !s.Instrument!.IsConfidential);
    }
}
