using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DxyqOpenData.Api.Imports;

/// <summary>
/// One monthly fixed-format import (docs/imports.md): the uploaded file, its progress and its per-row results. The file
/// is kept with the job so that a job queued or running when the node stops is processed again when it starts.
/// </summary>
public sealed class ImportJob
{
    public Guid Id { get; set; }
    /// <summary>
    /// The unit the uploading client is bound to: only that unit sees the import and only its rows change. Null for an
    /// import of the registry of units, which administrators upload and see.
    /// </summary>
    public string? UnitId { get; set; }
    public required string ClientId { get; set; }
    /// <summary>instruments | service-offerings | service-records | datasets | sensors | units.</summary>
    public required string Kind { get; set; }
    /// <summary>queued | running | completed | failed.</summary>
    public required string Status { get; set; }
    public string? FileName { get; set; }
    /// <summary>csv-utf8 | csv-gb18030 | xlsx.</summary>
    public required string Format { get; set; }
    public required byte[] Content { get; set; }
    public int TotalRows { get; set; }
    public int ProcessedRows { get; set; }
    public int Accepted { get; set; }
    /// <summary>JSON array of <see cref="RejectedRow"/>.</summary>
    public string Rejected { get; set; } = "[]";
    /// <summary>Why a failed import failed (the file as a whole, never a row).</summary>
    public string? Error { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
}

/// <summary>A rejected row: its spreadsheet row number (the header is row 1), the Chinese column header (null for the row as a whole) and why.</summary>
public sealed record RejectedRow(int Row, string? Column, string Reason);

internal sealed class ImportJobEntityTypeConfiguration : IEntityTypeConfiguration<ImportJob>
{
    public void Configure(EntityTypeBuilder<ImportJob> job)
    {
        job.ToTable("imports");
        job.HasKey(j => j.Id);
        job.Property(j => j.Id).ValueGeneratedNever();
        job.Property(j => j.UnitId).HasMaxLength(18).IsFixedLength();
        job.Property(j => j.ClientId).HasMaxLength(100);
        job.Property(j => j.Kind).HasMaxLength(32);
        job.Property(j => j.Status).HasMaxLength(16);
        job.Property(j => j.FileName).HasMaxLength(260);
        job.Property(j => j.Format).HasMaxLength(16);
        job.Property(j => j.Error).HasMaxLength(2000);
        job.HasIndex(j => new { j.UnitId, j.CreatedAt });
        job.HasIndex(j => j.Status);
        job.HasOne<Units.Unit>().WithMany().HasForeignKey(j => j.UnitId).OnDelete(DeleteBehavior.Restrict);
    }
}
