using System.Runtime.Serialization;
using DxyqOpenData.Api.Alerts;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Datasets;
using DxyqOpenData.Api.Federation;
using DxyqOpenData.Api.Imports;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Api.Security;
using DxyqOpenData.Api.Sensors;
using DxyqOpenData.Api.ServiceOfferings;
using DxyqOpenData.Api.ServiceRecords;
using DxyqOpenData.Api.Units;
using DxyqOpenData.Api.UsageSessions;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Data;

/// <summary>
/// The node's one database. Each provider has its own subclass (below) so that each keeps its own migrations:
/// the model is the same, the SQL is not.
/// </summary>
public abstract class CatalogDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<Unit> Units => Set<Unit>();
    public DbSet<Instrument> Instruments => Set<Instrument>();
    public DbSet<ServiceOffering> ServiceOfferings => Set<ServiceOffering>();
    public DbSet<ServiceRecord> ServiceRecords => Set<ServiceRecord>();
    public DbSet<Dataset> Datasets => Set<Dataset>();
    public DbSet<Sensor> Sensors => Set<Sensor>();
    public DbSet<UsageSession> UsageSessions => Set<UsageSession>();
    public DbSet<Alert> Alerts => Set<Alert>();
    public DbSet<SensorReading> SensorReadings => Set<SensorReading>();
    public DbSet<InstrumentDailyUsage> InstrumentDailyUsage => Set<InstrumentDailyUsage>();
    public DbSet<SensorDeadLetter> SensorDeadLetters => Set<SensorDeadLetter>();
    public DbSet<SigningKey> SigningKeys => Set<SigningKey>();
    public DbSet<Security.ClientAssertions.UsedClientAssertion> UsedClientAssertions => Set<Security.ClientAssertions.UsedClientAssertion>();
    public DbSet<Push.IdempotencyKey> IdempotencyKeys => Set<Push.IdempotencyKey>();
    public DbSet<ImportJob> Imports => Set<ImportJob>();
    public DbSet<Vouchers.VoucherReconciliation> VoucherReconciliations => Set<Vouchers.VoucherReconciliation>();
    public DbSet<CatalogChange> CatalogChanges => Set<CatalogChange>();
    public DbSet<CatalogChangeCounter> CatalogChangeCounter => Set<CatalogChangeCounter>();
    public DbSet<ReplicaInstrument> ReplicaInstruments => Set<ReplicaInstrument>();
    public DbSet<ReplicaServiceOffering> ReplicaServiceOfferings => Set<ReplicaServiceOffering>();
    public DbSet<ReplicaDataset> ReplicaDatasets => Set<ReplicaDataset>();
    public DbSet<ReplicaCursor> ReplicaCursors => Set<ReplicaCursor>();
    public DbSet<NodeSetting> NodeSettings => Set<NodeSetting>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<decimal>().HaveConversion<FenConverter>();
        configurationBuilder.Properties<decimal?>().HaveConversion<FenConverter>();
        // The catalog's enumerations are those with wire names ([DataContract]), each in its feature folder.
        foreach (var enumType in typeof(CatalogDbContext).Assembly.GetTypes().Where(t => t.IsEnum && t.IsDefined(typeof(DataContractAttribute), false)))
        {
            configurationBuilder.Properties(enumType).HaveConversion(typeof(WireNameConverter<>).MakeGenericType(enumType)).HaveMaxLength(32);
        }
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(CatalogDbContext).Assembly, t => t.Namespace?.StartsWith("DxyqOpenData.Api") == true);
        // Every node's readiness probe (each second, from each load balancer) counts the provisional deadlines: this
        // index holds just those rows, so the count never reads the table. SQL Server allows no OR in an index filter.
        var provisional = modelBuilder.Entity<Instrument>().HasIndex(i => new { i.OnboardingDueProvisional, i.SensorDueProvisional })
            .HasDatabaseName("ix_instruments_provisional_deadlines");
        if (!Database.IsSqlServer())
        {
            provisional.HasFilter("onboarding_due_provisional OR sensor_due_provisional");
        }
        // Peers' public sets, harvested through their change feeds (api/Federation).
        ReplicaModel.Configure(modelBuilder);
        // OAuth clients (applications) and OpenIddict's other stores, beside the catalog.
        modelBuilder.UseTokenServerTables();
        SnakeCaseNames.Apply(modelBuilder);
    }
}

public sealed class SqliteCatalogDbContext(DbContextOptions<SqliteCatalogDbContext> options) : CatalogDbContext(options);

public sealed class PostgreSqlCatalogDbContext(DbContextOptions<PostgreSqlCatalogDbContext> options) : CatalogDbContext(options);

public sealed class SqlServerCatalogDbContext(DbContextOptions<SqlServerCatalogDbContext> options) : CatalogDbContext(options);
