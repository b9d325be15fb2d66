using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Federation;

/// <summary>A value the node generates once and keeps (e.g. the federation's nextLink key when none is configured).</summary>
public sealed class NodeSetting
{
    public required string Name { get; set; }
    public required string Value { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class NodeSettingConfiguration : IEntityTypeConfiguration<NodeSetting>
{
    public void Configure(EntityTypeBuilder<NodeSetting> setting)
    {
        setting.ToTable("node_settings");
        setting.HasKey(s => s.Name);
        setting.Property(s => s.Name).HasMaxLength(64);
        setting.Property(s => s.Value).HasMaxLength(1000);
    }
}
