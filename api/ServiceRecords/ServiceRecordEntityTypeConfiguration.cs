using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DxyqOpenData.Api.ServiceRecords;

internal sealed class ServiceRecordEntityTypeConfiguration : IEntityTypeConfiguration<ServiceRecord>
{
    public void Configure(EntityTypeBuilder<ServiceRecord> record)
    {
        record.HasKey(r => r.Id);
        record.Property(r => r.Id).ValueGeneratedNever();
        record.Property(r => r.UnitId).HasMaxLength(18).IsFixedLength();
        record.Property(r => r.ExternalId).HasMaxLength(64);
        record.Property(r => r.Content).HasMaxLength(2000);
        record.Property(r => r.Subject).HasMaxLength(200);
        record.Property(r => r.UserName).HasMaxLength(100);
        record.Property(r => r.UserOrganization).HasMaxLength(200);
        record.Property(r => r.UserCreditCode).HasMaxLength(18).IsFixedLength();
        record.Property(r => r.UserRegionCode).HasMaxLength(6).IsFixedLength();
        record.Property(r => r.FeeCny).HasColumnName("fee_fen");
        record.Property(r => r.VoucherNo).HasMaxLength(64);
        record.Property(r => r.VoucherAmountCny).HasColumnName("voucher_amount_fen");
        record.Property(r => r.BookingRef).HasMaxLength(64);
        record.Property(r => r.PaidAmountCny).HasColumnName("paid_amount_fen");
        record.Property(r => r.PaymentRef).HasMaxLength(64);
        record.Property(r => r.Feedback).HasMaxLength(2000);

        record.HasIndex(r => new { r.UnitId, r.ExternalId }).IsUnique();
        record.HasIndex(r => new { r.InstrumentId, r.StartedAt });
        record.HasIndex(r => new { r.UnitId, r.StartedAt });
        record.HasIndex(r => r.StartedAt);
        record.HasIndex(r => r.VoucherNo);
        record.HasIndex(r => r.UpdatedAt);

        record.HasOne(r => r.Instrument).WithMany().HasForeignKey(r => r.InstrumentId).OnDelete(DeleteBehavior.Restrict);
        record.HasOne<ServiceOfferings.ServiceOffering>().WithMany().HasForeignKey(r => r.ServiceOfferingId).OnDelete(DeleteBehavior.SetNull);
        record.HasOne<Units.Unit>().WithMany().HasForeignKey(r => r.UnitId).OnDelete(DeleteBehavior.Restrict);
    }
}
