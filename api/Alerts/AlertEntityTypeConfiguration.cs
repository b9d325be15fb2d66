using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DxyqOpenData.Api.Alerts;

internal sealed class AlertEntityTypeConfiguration : IEntityTypeConfiguration<Alert>
{
    public void Configure(EntityTypeBuilder<Alert> alert)
    {
        alert.HasKey(a => a.Id);
        alert.Property(a => a.Id).ValueGeneratedNever();
        alert.Property(a => a.UnitId).HasMaxLength(18).IsFixedLength();
        alert.Property(a => a.Message).HasMaxLength(1000);
        alert.Property(a => a.Explanation).HasMaxLength(2000);
        alert.Property(a => a.ClearedBy).HasMaxLength(500);
        alert.Property(a => a.ResolutionReason).HasMaxLength(500);
        alert.HasIndex(a => new { a.UnitId, a.RaisedAt });
        // One open alert per instrument and rule, whatever runs the sweep: the database refuses a duplicate.
        alert.HasIndex(a => new { a.InstrumentId, a.Kind }).IsUnique().HasFilter("resolved_at IS NULL").HasDatabaseName("ix_alerts_open_instrument_id_kind");
        alert.HasIndex(a => new { a.InstrumentId, a.RaisedAt });
        alert.HasOne<Instruments.Instrument>().WithMany().HasForeignKey(a => a.InstrumentId).OnDelete(DeleteBehavior.Cascade);
    }
}
