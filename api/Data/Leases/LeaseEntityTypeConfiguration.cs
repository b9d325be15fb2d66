using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DxyqOpenData.Api.Data.Leases;

internal sealed class LeaseEntityTypeConfiguration : IEntityTypeConfiguration<Lease>
{
    public void Configure(EntityTypeBuilder<Lease> lease)
    {
        lease.ToTable("leases");
        lease.HasKey(l => l.Name);
        lease.Property(l => l.Name).HasMaxLength(64);
        lease.Property(l => l.Holder).HasMaxLength(200);
    }
}
