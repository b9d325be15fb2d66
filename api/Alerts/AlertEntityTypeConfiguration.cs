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
        alert.HasIndex(a => new { a.UnitId, a.RaisedAt });
        alert.HasIndex(a => new { a.InstrumentId, a.Kind });
        alert.HasOne<Instruments.Instrument>().WithMany().HasForeignKey(a => a.InstrumentId).OnDelete(DeleteBehavior.Cascade);
    }
}
