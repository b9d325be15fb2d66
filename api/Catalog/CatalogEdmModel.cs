using DxyqOpenData.Api.Alerts;
using DxyqOpenData.Api.Datasets;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Api.Sensors;
using DxyqOpenData.Api.ServiceOfferings;
using DxyqOpenData.Api.ServiceRecords;
using DxyqOpenData.Api.Units;
using DxyqOpenData.Api.UsageSessions;
using Microsoft.OData.Edm;
using Microsoft.OData.ModelBuilder;

namespace DxyqOpenData.Api.Catalog;

/// <summary>The CSDL of <c>/odata</c>: entity sets named as the contract fixes them, camelCase properties.</summary>
public static class CatalogEdmModel
{
    public const string Namespace = "Dxyq.Catalog";

    private static readonly Lazy<IEdmModel> Model = new(Build);

    public static IEdmModel Get() => Model.Value;

    private static IEdmModel Build()
    {
        var builder = new ODataConventionModelBuilder { Namespace = Namespace, ContainerName = "Catalog" };
        builder.EnableLowerCamelCase();

        builder.EntitySet<Unit>("Units");
        var instruments = builder.EntitySet<Instrument>("Instruments");
        // The ETag: updatedAt moves with every catalog change; the sensor bridge writes run state and last-seen time
        // without moving it (they are not catalog changes, see the change feed), so they are in the ETag themselves.
        instruments.EntityType.Property(i => i.UpdatedAt).IsConcurrencyToken();
        instruments.EntityType.EnumProperty(i => i.RunState).IsConcurrencyToken();
        instruments.EntityType.Property(i => i.LastSeenAt).IsConcurrencyToken();
        // Always false for what is published (confidential instruments are filtered out at the model).
        instruments.EntityType.Ignore(i => i.IsConfidential);
        builder.EntitySet<ServiceOffering>("ServiceOfferings");
        builder.EntitySet<ServiceRecord>("ServiceRecords");
        builder.EntitySet<Dataset>("Datasets");
        var sensors = builder.EntitySet<Sensor>("Sensors").EntityType;
        sensors.Ignore(s => s.SecretHash);
        sensors.Ignore(s => s.SessionsThrough);
        builder.EntitySet<UsageSession>("UsageSessions");
        builder.EntitySet<Alert>("Alerts");
        // Types deriving from a set's type (the replica rows) only share its columns: not part of the model.
        var setTypes = builder.EntitySets.Select(s => s.ClrType).ToHashSet();
        builder.Ignore([.. typeof(CatalogEdmModel).Assembly.GetTypes().Where(t => t.BaseType is { } b && setTypes.Contains(b))]);

        // Money is CNY with two decimals (stored as integer fen, see Data/Money.cs).
        foreach (var property in builder.StructuralTypes.SelectMany(t => t.Properties).OfType<DecimalPropertyConfiguration>())
        {
            property.Precision = 18;
            property.Scale = 2;
        }
        // Foreign keys the convention builder leaves nullable because of the navigation: an instrument's unit is
        // required (Nullable="false" on the navigation and on unitId).
        instruments.EntityType.Property(i => i.UnitId).IsRequired();
        instruments.EntityType.HasRequired(i => i.Unit);

        return builder.GetEdmModel();
    }
}
