using DxyqOpenData.Api.Operations;
using System.Diagnostics;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Data.Reference;
using DxyqOpenData.Api.Push;
using DxyqOpenData.Api.Supervision;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Demo;

/// <summary>
/// Loads the demo data set into an empty database at start-up (unless <c>Demo:Enabled=false</c>): units, sensors,
/// instruments, offerings, a year of service records, datasets and 90 days of sensor sessions. Rows stream from the
/// generators into the push API's row writers, all in one transaction. Then one supervision sweep raises the alerts the data
/// deserves, as it would on any node (no alert is generated).
/// </summary>
public static class DemoData
{
    /// <summary>The <c>Demo</c> settings (<see cref="DemoOptions"/>).</summary>
    public static IHostApplicationBuilder AddDemoData(this IHostApplicationBuilder builder)
    {
        builder.AddSettings<DemoOptions>("Demo");
        return builder;
    }

    public static async Task LoadIfEmptyAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        var options = services.GetRequiredService<DemoOptions>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DemoData).FullName!);
        if (!options.Enabled)
        {
            return;
        }
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
        if (await db.Units.AnyAsync(cancellationToken))
        {
            logger.LogInformation("Demo data not loaded: the database already holds units");
            return;
        }
        var world = new DemoWorld(options, services.GetRequiredService<NodeOptions>().Code, DemoVocabulary.Load(), Regions.Default,
            await CalendarStore.LoadAsync(db, cancellationToken));
        logger.LogInformation("Loading demo data for node {NodeCode}: seed {Seed}, scale {Scale}, up to {Today}", world.NodeCode, world.Seed, world.Scale, world.Today);
        await LoadAsync(db, world, logger, cancellationToken);
        var sweep = await scope.ServiceProvider.GetRequiredService<AlertSweep>().RunAsync(cancellationToken);
        logger.LogInformation("Demo data swept: {Raised} alerts raised", sweep.Raised);
    }

    internal static async Task LoadAsync(CatalogDbContext db, DemoWorld world, ILogger logger, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();

        var unitGenerator = new UnitGenerator(world);
        var units = unitGenerator.Generate();
        var organisations = unitGenerator.Organisations(units);
        var plans = new InstrumentGenerator(world).Generate(units);
        var lifecycle = new InstrumentLifecycle(world);
        lifecycle.PlanActivity(plans);
        var sensors = lifecycle.PlanSensors(plans);
        lifecycle.PlanServiceInfo(plans);
        lifecycle.Finish(plans);
        logger.LogInformation("Demo data planned in {ElapsedMs} ms", total.ElapsedMilliseconds);

        var copy = new Copier(db, logger, cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await copy.Rows("units", units.Select(u => u.Unit));
        await copy.Rows("sensors", sensors);
        await copy.Rows("instruments", plans.Select(p => p.Instrument));
        await copy.Rows("service_offerings", plans.SelectMany(p => p.Offerings));
        await copy.Rows("service_records", new ServiceRecordGenerator(world, plans, organisations).Generate());
        await copy.Rows("datasets", new DatasetGenerator(world).Generate(plans));
        await copy.Rows("usage_sessions", new UsageSessionGenerator(world, plans).Generate());
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Demo data loaded: {Rows} rows in {ElapsedMs} ms", copy.Total, total.ElapsedMilliseconds);
    }

    private sealed class Copier(CatalogDbContext db, ILogger logger, CancellationToken cancellationToken)
    {
        /// <summary>Rows sent per chunk: PostgreSQL ends its COPY there (its foreign-key checks run), SQL Server sends its INSERTs.</summary>
        private const int Chunk = 5_000;

        public long Total { get; private set; }

        /// <summary>
        /// The push API's row writer (SQLite: one prepared INSERT; PostgreSQL: binary COPY), which stores every value
        /// through EF's own type mappings and converters, exactly as <c>SaveChanges</c> would: one stored form per value.
        /// </summary>
        public async Task Rows<T>(string table, IEnumerable<T> rows) where T : class
        {
            var watch = Stopwatch.StartNew();
            var indexes = db.Database.IsSqlite() ? await DropIndexesAsync(table) : [];
            int copied;
            await using (var writer = await RowWriter<T>.BeginAsync(db, cancellationToken))
            {
                foreach (var row in rows)
                {
                    writer.Write(row);
                    if (writer.Rows % Chunk == 0)
                    {
                        await writer.FlushAsync(cancellationToken);
                    }
                }
                await writer.CompleteAsync(cancellationToken);
                copied = writer.Rows;
            }
            foreach (var create in indexes)
            {
                await db.Database.ExecuteSqlRawAsync(create, cancellationToken);
            }
            Total += copied;
            logger.LogInformation("Demo data: {Table} {Rows} rows in {ElapsedMs} ms", table, copied, watch.ElapsedMilliseconds);
        }

        /// <summary>
        /// SQLite maintains every secondary index row by row; building them once after the load is several times faster.
        /// Returns the statements that recreate them, exactly as the migrations made them.
        /// </summary>
        private async Task<List<string>> DropIndexesAsync(string table)
        {
            var indexes = await db.Database
                .SqlQueryRaw<IndexSql>("SELECT name AS \"Name\", sql AS \"Sql\" FROM sqlite_master WHERE type = 'index' AND tbl_name = {0} AND sql IS NOT NULL", table)
                .ToListAsync(cancellationToken);
            foreach (var index in indexes)
            {
                // The name comes from sqlite_master, not from input.
                var drop = "DROP INDEX \"" + index.Name + "\"";
                await db.Database.ExecuteSqlRawAsync(drop, cancellationToken);
            }
            return indexes.Select(i => i.Sql).ToList();
        }
    }

    private sealed record IndexSql(string Name, string Sql);
}
