using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Api.Security;
using DxyqOpenData.Api.Units;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DxyqOpenData.Benchmarks.Catalog;

/// <summary>
/// Issue 2's targets over the full demo data on SQLite: the OData route at >= 0.7 of a hand-written endpoint
/// running the same EF query in the same process (p50 under 10 ms); demo load time; cold start to first 200;
/// resident memory after the load and a minute of queries (under 400 MB).
/// </summary>
public static class CatalogBenchmark
{
    private const string FilterQuery = "$filter=priceCny ge 1000000 and contains(name,'显微镜')&$orderby=priceCny desc&$top=50&$count=true";

    public static async Task<int> RunAsync(string[] args)
    {
        var soak = TimeSpan.FromSeconds(Option(args, "--soak", 60));
        var round = TimeSpan.FromSeconds(Option(args, "--round", 2));
        var rounds = Option(args, "--rounds", 5);
        var work = Directory.CreateTempSubdirectory("dxyq-bench-catalog-");
        var database = Path.Combine(work.FullName, "catalog.db");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(120) };
        try
        {
            Report.Columns();
            await NodeFiguresAsync(http, database, soak);
            // --library-writer: the OData route with the lean page path off (OData:LeanPages=false), for comparison.
            await using var node = new InProcessNode(database, leanPages: !args.Contains("--library-writer"));
            var category = await node.MostCommonCategoryAsync();
            await CompareAsync(node, "filter+orderby+count", $"/odata/Instruments?{FilterQuery}", "/baseline/filter", rounds, round);
            await CompareAsync(node, "expand=unit", $"/odata/Instruments?$filter=categoryCode eq '{category}'&$expand=unit&$orderby=priceCny desc&$top=50", $"/baseline/expand?category={category}", rounds, round);
            return 0;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            work.Delete(recursive: true);
        }
    }

    /// <summary>Demo load, cold start and memory, on the node as its own process.</summary>
    private static async Task NodeFiguresAsync(HttpClient http, string database, TimeSpan soak)
    {
        await using (var first = NodeProcess.Start(database))
        {
            var ready = await first.WaitFor200Async(http, "/health/ready", TimeSpan.FromMinutes(5));
            var (rows, ms) = first.DemoLoad() ?? throw new InvalidOperationException("no demo load line in the node's log");
            Report.Line($"demo data load ({rows:N0} rows)", $"{ms / 1000.0:F1} s", target: "< 60 s", met: ms < 60_000);
            Report.Line("first start incl. migrations and demo load", $"{ready.TotalSeconds:F1} s");
        }

        await using var node = NodeProcess.Start(database);
        var cold = await node.WaitFor200Async(http, "/odata/Instruments?$top=1", TimeSpan.FromMinutes(2));
        Report.Line("cold start to first 200 (loaded database)", $"{cold.TotalMilliseconds:F0} ms");

        var queries = new[]
        {
            $"/odata/Instruments?{FilterQuery}",
            "/odata/Instruments?$expand=unit,offerings&$top=100",
            "/odata/Instruments?$apply=groupby((categoryCode),aggregate(priceCny with sum as total,$count as n))",
            "/odata/Units?$expand=instruments($select=id,name)&$top=50",
            "/odata/UsageSessions?$orderby=startedAt desc&$top=1000",
            "/odata/Instruments?$skip=10000&$top=1000",
        };
        var clock = Stopwatch.StartNew();
        long requests = 0;
        await Parallel.ForAsync(0, 4, async (worker, _) =>
        {
            for (var i = worker; clock.Elapsed < soak; i++)
            {
                using var response = await http.GetAsync(node.BaseUrl + queries[i % queries.Length]);
                await response.Content.CopyToAsync(Stream.Null);
                Interlocked.Increment(ref requests);
            }
        });
        var (rss, peak, files) = node.Memory();
        Report.Line($"resident memory after {soak.TotalSeconds:F0} s of queries ({requests:N0})", $"{rss:F0} MB", target: "< 400 MB", met: rss < 400);
        Report.Line("  of which mapped files (database, program)", $"{files:F0} MB");
        Report.Line("peak resident memory", $"{peak:F0} MB");
    }

    /// <summary>OData against the hand-written endpoint, interleaved in rounds so drift hits both alike.</summary>
    private static async Task CompareAsync(InProcessNode node, string name, string odata, string baseline, int rounds, TimeSpan round)
    {
        var ours = new Samples();
        var theirs = new Samples();
        var oursThroughput = new Samples();
        var theirsThroughput = new Samples();
        await node.AssertSameRowsAsync(odata, baseline);
        await node.RunAsync(odata, 1, TimeSpan.FromSeconds(1), new Samples());
        await node.RunAsync(baseline, 1, TimeSpan.FromSeconds(1), new Samples());
        for (var r = 0; r < rounds; r++)
        {
            await node.RunAsync(odata, 1, round / 2, ours);
            await node.RunAsync(baseline, 1, round / 2, theirs);
            await node.RunAsync(baseline, 4, round / 2, theirsThroughput);
            await node.RunAsync(odata, 4, round / 2, oursThroughput);
        }
        var ratio = oursThroughput.PerSecond / theirsThroughput.PerSecond;
        Report.Line($"{name}: throughput, 4 clients (req/s)", $"{oursThroughput.PerSecond:F0}", $"{theirsThroughput.PerSecond:F0}", $"{ratio:F2}", ">= 0.70", ratio >= 0.7);
        // The same comparison by CPU spent per request (baseline / ours): what the throughput ratio is on a machine
        // the benchmark has to itself, and much steadier than it when other work shares the cores.
        Report.Line($"{name}: CPU per request, 4 clients (ms)", $"{oursThroughput.CpuMillisecondsPerRequest:F2}", $"{theirsThroughput.CpuMillisecondsPerRequest:F2}",
            $"{theirsThroughput.CpuMillisecondsPerRequest / oursThroughput.CpuMillisecondsPerRequest:F2}");
        Report.Line($"{name}: p50 latency, 1 client (ms)", $"{ours.Percentile(50):F2}", $"{theirs.Percentile(50):F2}", $"{ours.Percentile(50) / theirs.Percentile(50):F2}", "< 10 ms", ours.Percentile(50) < 10);
        Report.Line($"{name}: p99 latency, 1 client (ms)", $"{ours.Percentile(99):F2}", $"{theirs.Percentile(99):F2}");
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1]) : fallback;
    }

    /// <summary>
    /// The node in this process on real Kestrel, plus the hand-written baseline: a plain endpoint that runs the
    /// same EF query the OData route runs and writes the rows with System.Text.Json.
    /// </summary>
    private sealed class InProcessNode : WebApplicationFactory<DatabaseOptions>
    {
        private readonly string _database;
        private readonly bool _leanPages;
        private readonly HttpClient _client;
        private readonly string _origin;

        public InProcessNode(string database, bool leanPages)
        {
            _database = database;
            _leanPages = leanPages;
            // Outside a test project there is no solution-relative content root: the binaries' folder is it.
            Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_DXYQOPENDATA_API", AppContext.BaseDirectory);
            UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
            StartServer();
            var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            _origin = new Uri(address).GetLeftPart(UriPartial.Authority);
            _client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri(_origin) };
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            builder.UseSetting("Database:ConnectionString", $"Data Source={_database}");
            builder.UseSetting("Demo:Enabled", "false");
            builder.UseSetting("OData:LeanPages", _leanPages ? "true" : "false");
            builder.UseSetting("SensorBridge:Enabled", "false");
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
            builder.UseSetting("Logging:LogLevel:Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware", "Warning");
            builder.ConfigureServices(s => s.AddSingleton<IStartupFilter, BaselineEndpoints>());
        }

        public async Task<string> MostCommonCategoryAsync()
        {
            await using var scope = Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
            return await db.Instruments.GroupBy(i => i.CategoryCode).OrderByDescending(g => g.Count()).Select(g => g.Key).FirstAsync();
        }

        /// <summary>A baseline that answers other rows, or another count, measures other work: refuse to compare.</summary>
        public async Task AssertSameRowsAsync(string odata, string baseline)
        {
            static (long? Count, string[] Ids) Read(string json)
            {
                using var page = JsonDocument.Parse(json);
                var root = page.RootElement;
                var count = root.TryGetProperty("@odata.count", out var c) ? c.GetInt64() : (long?)null;
                return (count, root.GetProperty("value").EnumerateArray().Select(r => r.GetProperty("id").GetString()!).ToArray());
            }
            var ours = Read(await _client.GetStringAsync(odata));
            var theirs = Read(await _client.GetStringAsync(baseline));
            if (ours.Count != theirs.Count || !ours.Ids.SequenceEqual(theirs.Ids))
            {
                throw new InvalidOperationException($"{baseline} does not answer what {odata} answers ({theirs.Ids.Length} rows, count {theirs.Count}; OData {ours.Ids.Length}, count {ours.Count})");
            }
        }

        public async Task RunAsync(string path, int clients, TimeSpan duration, Samples samples)
        {
            var clock = Stopwatch.StartNew();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            samples.Busy.Start();
            await Parallel.ForAsync(0, clients, async (_, _) =>
            {
                long done = 0;
                while (clock.Elapsed < duration)
                {
                    var started = Stopwatch.GetTimestamp();
                    using var response = await _client.GetAsync(path);
                    await response.Content.CopyToAsync(Stream.Null);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        throw new InvalidOperationException($"{path} answered {(int)response.StatusCode}");
                    }
                    samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    done++;
                }
                samples.Count(done);
            });
            samples.Busy.Stop();
            samples.Cpu += Process.GetCurrentProcess().TotalProcessorTime - cpu;
        }

        public override async ValueTask DisposeAsync()
        {
            _client.Dispose();
            await base.DisposeAsync();
        }
    }

    /// <summary>
    /// The hand-written endpoints. They are mapped into the node's own endpoint routing, so a request to them passes
    /// the same middleware as an OData request (routing, authentication, authorization with the catalog's public
    /// policy, metrics, HTTP logging); mapped in front of the pipeline, as they once were, they skipped all of it.
    /// They write what the OData route writes for an anonymous reader: no contact phone or e-mail, no
    /// confidentiality flag, navigations only when expanded.
    /// </summary>
    private sealed class BaselineEndpoints : IStartupFilter
    {
        private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
        {
            Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
            ReferenceHandler = ReferenceHandler.IgnoreCycles,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { AsODataWritesIt } },
        };

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            // WebApplication hands its endpoint route builder to the pipeline it runs in; endpoints added here, before
            // the first request builds the route table, are matched like the node's own.
            var endpoints = app.Properties.Values.OfType<IEndpointRouteBuilder>().FirstOrDefault()
                ?? throw new InvalidOperationException("no endpoint route builder: cannot put the baseline behind the node's middleware");
            endpoints.MapGet("/baseline/filter", async (HttpContext context, CatalogDbContext db) =>
            {
                var query = db.Instruments.Where(i => i.PriceCny >= 1_000_000m && i.Name.Contains("显微镜"));
                var count = await query.LongCountAsync(context.RequestAborted);
                var rows = await query.OrderByDescending(i => i.PriceCny).ThenBy(i => i.Id).Take(50).ToListAsync(context.RequestAborted);
                await WriteAsync(context, count, rows);
            }).RequireAuthorization(Policies.PublicCatalog);
            endpoints.MapGet("/baseline/expand", async (HttpContext context, CatalogDbContext db, string category) =>
            {
                var rows = await db.Instruments.Where(i => i.CategoryCode == category).Include(i => i.Unit)
                    .OrderByDescending(i => i.PriceCny).ThenBy(i => i.Id).Take(50).ToListAsync(context.RequestAborted);
                await WriteAsync(context, null, rows);
            }).RequireAuthorization(Policies.PublicCatalog);
        };

        /// <summary>Leaves out what the OData route leaves out for an anonymous reader.</summary>
        private static void AsODataWritesIt(JsonTypeInfo type)
        {
            if (type.Type == typeof(Instrument))
            {
                Remove(type, nameof(Instrument.ContactPhone), nameof(Instrument.ContactEmail), nameof(Instrument.IsConfidential), nameof(Instrument.Sensor), nameof(Instrument.Offerings));
                type.Properties.Single(p => p.Name == "unit").ShouldSerialize = static (_, unit) => unit is not null;
            }
            else if (type.Type == typeof(Unit))
            {
                Remove(type, nameof(Unit.Instruments));
            }
        }

        private static void Remove(JsonTypeInfo type, params string[] names)
        {
            foreach (var property in type.Properties.Where(p => names.Contains(p.Name, StringComparer.OrdinalIgnoreCase)).ToList())
            {
                type.Properties.Remove(property);
            }
        }

        private static Task WriteAsync(HttpContext context, long? count, List<Instrument> rows)
        {
            context.Response.ContentType = "application/json; charset=utf-8";
            return JsonSerializer.SerializeAsync(context.Response.Body, new Page(count, rows), Json, context.RequestAborted);
        }

        private sealed record Page(
            [property: JsonPropertyName("@odata.count"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Count,
            [property: JsonPropertyName("value")] List<Instrument> Value);
    }
}
