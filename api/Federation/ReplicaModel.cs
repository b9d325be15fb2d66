using DxyqOpenData.Api.Datasets;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Api.ServiceOfferings;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Federation;

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
