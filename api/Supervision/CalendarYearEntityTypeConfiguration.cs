using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DxyqOpenData.Api.Supervision;

internal sealed class CalendarYearEntityTypeConfiguration : IEntityTypeConfiguration<CalendarYear>
{
    public void Configure(EntityTypeBuilder<CalendarYear> year)
    {
        year.ToTable("calendar_years");
        year.HasKey(y => y.Year);
        year.Property(y => y.Year).ValueGeneratedNever();
        year.Property(y => y.Notice).HasMaxLength(20_000);
        year.Property(y => y.Source).HasMaxLength(16);
    }
}
