using DxyqOpenData.Api.Datasets;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Api.ServiceOfferings;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DxyqOpenData.Api.Federation;

/// <summary>
/// The change feed's log: per public row, the sequence number of its latest change (insert, update, delete, or a
/// change of what makes it public). Written only by database triggers (created by the Initial migration), so every write
/// path is captured: EF, linq2db bulk copy, ExecuteUpdate, raw SQL, cascades.
/// </summary>
public sealed class CatalogChange
{
    /// <summary><c>Instruments</c>, <c>ServiceOfferings</c> or <c>Datasets</c>.</summary>
    public required string EntitySet { get; set; }
    public Guid RowId { get; set; }
    public long Seq { get; set; }
}

/// <summary>
/// The one counter row change sequence numbers are taken from. The trigger updates it inside the writing transaction,
/// so its row lock orders writers: a later transaction gets higher numbers and cannot commit before an earlier one.
/// </summary>
public sealed class CatalogChangeCounter
{
    public int Id { get; set; }
    public long Value { get; set; }
}

/// <summary>A peer's instrument, as its change feed gave it (the public columns; contacts are never sent).</summary>
public sealed class ReplicaInstrument : Instrument
{
    public required string Node { get; set; }
}

public sealed class ReplicaServiceOffering : ServiceOffering
{
    public required string Node { get; set; }
}

public sealed class ReplicaDataset : Dataset
{
    public required string Node { get; set; }
}

/// <summary>Where the harvest of one peer's set stands: the peer's feed cursor and the last time it caught up.</summary>
public sealed class ReplicaCursor
{
    public required string Node { get; set; }
    public required string EntitySet { get; set; }
    /// <summary>The peer's opaque token; null until the first page is applied.</summary>
    public string? Cursor { get; set; }
    /// <summary>When a harvest last read this set up to the end of the peer's feed.</summary>
    public DateTime? HarvestedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>A value the node generates once and keeps (e.g. the federation's nextLink key when none is configured).</summary>
public sealed class NodeSetting
{
    public required string Name { get; set; }
    public required string Value { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class CatalogChangeConfiguration : IEntityTypeConfiguration<CatalogChange>
{
    public void Configure(EntityTypeBuilder<CatalogChange> change)
    {
        change.ToTable("catalog_changes");
        change.HasKey(c => new { c.EntitySet, c.RowId });
        change.Property(c => c.EntitySet).HasMaxLength(32);
        change.HasIndex(c => new { c.EntitySet, c.Seq }).IsUnique();
    }
}

internal sealed class CatalogChangeCounterConfiguration : IEntityTypeConfiguration<CatalogChangeCounter>
{
    public void Configure(EntityTypeBuilder<CatalogChangeCounter> counter)
    {
        counter.ToTable("catalog_change_counter");
        counter.HasKey(c => c.Id);
        counter.Property(c => c.Id).ValueGeneratedNever();
        counter.HasData(new CatalogChangeCounter { Id = 1, Value = 0 });
    }
}

internal sealed class ReplicaCursorConfiguration : IEntityTypeConfiguration<ReplicaCursor>
{
    public void Configure(EntityTypeBuilder<ReplicaCursor> cursor)
    {
        cursor.ToTable("replica_cursors");
        cursor.HasKey(c => new { c.Node, c.EntitySet });
        cursor.Property(c => c.Node).HasMaxLength(8);
        cursor.Property(c => c.EntitySet).HasMaxLength(32);
        cursor.Property(c => c.Cursor).HasMaxLength(1024);
    }
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

/// <summary>
/// The replica tables: each a root of its own (not part of the local type's hierarchy), keyed by node and id, with the
/// local type's columns (names, lengths) and the indexes the catalog queries need, each led by the node.
/// </summary>
internal static class ReplicaModel
{
    public static void Configure(ModelBuilder modelBuilder)
    {
        var instrument = Replica<Instrument, ReplicaInstrument>(modelBuilder, "replica_instruments", r => new { r.Node, r.Id },
            nameof(Instrument.Unit), nameof(Instrument.Sensor), nameof(Instrument.Offerings));
        instrument.HasIndex(i => new { i.Node, i.PriceCny, i.Name });
        instrument.HasIndex(i => new { i.Node, i.CategoryCode });
        instrument.HasIndex(i => new { i.Node, i.RegionCode });
        instrument.HasIndex(i => new { i.Node, i.UpdatedAt });

        var offering = Replica<ServiceOffering, ReplicaServiceOffering>(modelBuilder, "replica_service_offerings", r => new { r.Node, r.Id },
            nameof(ServiceOffering.Instrument));
        offering.HasIndex(o => new { o.Node, o.InstrumentId });
        offering.HasIndex(o => new { o.Node, o.UpdatedAt });

        var dataset = Replica<Dataset, ReplicaDataset>(modelBuilder, "replica_datasets", r => new { r.Node, r.Id },
            nameof(Dataset.Instrument));
        dataset.HasIndex(d => new { d.Node, d.InstrumentId });
        dataset.HasIndex(d => new { d.Node, d.UpdatedAt });
    }

    private static EntityTypeBuilder<TReplica> Replica<TLocal, TReplica>(ModelBuilder modelBuilder, string table,
        System.Linq.Expressions.Expression<Func<TReplica, object?>> key, params string[] navigations)
        where TLocal : class where TReplica : class, TLocal
    {
        var replica = modelBuilder.Entity<TReplica>();
        replica.HasBaseType((Type?)null);
        foreach (var navigation in navigations)
        {
            replica.Ignore(navigation);
        }
        replica.ToTable(table);
        replica.HasKey(key);
        replica.Property("Node").HasMaxLength(8);
        var local = modelBuilder.Entity<TLocal>().Metadata;
        foreach (var property in local.GetProperties())
        {
            var copy = replica.Property(property.Name);
            copy.Metadata.SetMaxLength(property.GetMaxLength());
            copy.Metadata.SetIsFixedLength(property.IsFixedLength());
            copy.Metadata.SetColumnName(property.GetColumnName());
            copy.Metadata.IsConcurrencyToken = false;
            copy.ValueGeneratedNever();
        }
        return replica;
    }
}
