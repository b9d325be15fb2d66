using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DxyqOpenData.Api.Vouchers;

internal sealed class VoucherReconciliationEntityTypeConfiguration : IEntityTypeConfiguration<VoucherReconciliation>
{
    public void Configure(EntityTypeBuilder<VoucherReconciliation> reconciliation)
    {
        reconciliation.ToTable("voucher_reconciliations");
        reconciliation.HasKey(r => r.Id);
        reconciliation.Property(r => r.Id).ValueGeneratedNever();
        reconciliation.Property(r => r.ClientId).HasMaxLength(100);
        reconciliation.Property(r => r.From).HasColumnName("period_from");
        reconciliation.Property(r => r.To).HasColumnName("period_to");
        reconciliation.HasIndex(r => new { r.ClientId, r.CreatedAt });
    }
}
