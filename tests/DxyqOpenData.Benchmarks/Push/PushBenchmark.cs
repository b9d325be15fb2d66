using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Encodings.Web;
using System.Text.Json.Serialization;
using System.Text.Unicode;
using DxyqOpenData.Api.Commands;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.ServiceRecords;
using LinqToDB.Data;
using LinqToDB.EntityFrameworkCore;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DxyqOpenData.Benchmarks.Push;

/// <summary>
/// The push API's target: N service records through <c>POST /api/v1/push/service-records</c> in batches (real
/// Kestrel, a real client-credentials token, full validation), against plain EF Core <c>AddRange</c> +
/// <c>SaveChanges</c> and a raw linq2db bulk copy of the same rows, in the same process and the same database, on
/// SQLite and PostgreSQL. See README.md.
/// </summary>
public static class PushBenchmark
{
    public const string PostgresVariable = "DXYQ_TEST_POSTGRES";
    private const string Prefix = "PB-";

    private sealed record Options(int Rows, int Batch, string[] Providers, bool PushOnly);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // UTF-8 as a unit's system sends it, not \uXXXX escapes (which would triple the Chinese text's bytes).
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var options = Parse(args);
        Console.WriteLine($"# {options.Rows:N0} service records in batches of {options.Batch:N0}, one client, sequential; providers: {string.Join(',', options.Providers)}");
        Report.Columns();
        var ok = true;
        foreach (var provider in options.Providers)
        {
            switch (provider.ToLowerInvariant())
            {
                case "sqlite":
                    ok &= await RunOneAsync(DatabaseProvider.Sqlite, options);
                    break;
                case "postgresql" or "postgres":
                    if (Environment.GetEnvironmentVariable(PostgresVariable) is not { Length: > 0 })
                    {
                        Console.WriteLine($"postgresql: SKIPPED — {PostgresVariable} is not set. Start a throwaway cluster (as test.sh does), e.g.:");
                        Console.WriteLine("  runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D /tmp/pgb/data -A trust -U postgres");
                        Console.WriteLine("  runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D /tmp/pgb/data -o \"-p 54330 -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off\" start");
                        Console.WriteLine($"  export {PostgresVariable}=\"Host=127.0.0.1;Port=54330;Username=postgres\"");
                        Console.WriteLine("and run the benchmark again (a database is created per run and dropped after it).");
                        break;
                    }
                    ok &= await RunOneAsync(DatabaseProvider.PostgreSql, options);
                    break;
                default:
                    Console.Error.WriteLine($"unknown provider '{provider}' (sqlite, postgresql)");
                    return 2;
            }
        }
        return ok ? 0 : 1;
    }

    private static Options Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2) values[args[i]] = args[i + 1];
        int Int(string name, int fallback) => values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return new Options(Int("--rows", 100_000), Int("--batch", 5_000),
            values.GetValueOrDefault("--providers", "sqlite,postgresql").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            values.GetValueOrDefault("--paths") == "push");
    }

    private static async Task<bool> RunOneAsync(DatabaseProvider provider, Options options)
    {
        var name = provider == DatabaseProvider.Sqlite ? "sqlite" : "postgresql";
        string? sqliteFile = null;
        string? pgDatabase = null;
        string connectionString;
        if (provider == DatabaseProvider.Sqlite)
        {
            sqliteFile = Path.Combine(Path.GetTempPath(), $"dxyq-bench-push-{Guid.NewGuid():N}.db");
            connectionString = $"Data Source={sqliteFile}";
        }
        else
        {
            (pgDatabase, connectionString) = CreatePostgresDatabase();
        }

        try
        {
            var load = Stopwatch.StartNew();
            await using var node = new PushNode(provider, connectionString, options.Batch);
            Console.WriteLine($"# {name}: node up with demo data (scale 0.02) in {load.Elapsed.TotalSeconds:F1} s");
            var (unit, instruments) = await node.UnitWithInstrumentsAsync();
            var docs = Generate(options.Rows, instruments.Keys.Order(StringComparer.Ordinal).ToArray());
            var batches = docs.Chunk(options.Batch).ToArray();
            var bodies = batches.Select(b => JsonSerializer.SerializeToUtf8Bytes(b, Json)).ToArray();
            Console.WriteLine($"# {name}: unit {unit}, {instruments.Count} instruments; {bodies.Length} batches, {bodies.Sum(b => (long)b.Length) / 1024.0 / 1024.0:F1} MiB of JSON");
            using var http = await node.PushClientAsync(unit);

            // Warm-up: each path once on a small batch of other keys, then cleared, so no path pays the JIT in its figure.
            var warm = Generate(200, instruments.Keys.ToArray(), "PBW-");
            await PushAsync(http, [JsonSerializer.SerializeToUtf8Bytes(warm, Json)]);
            await node.ClearAsync("PBW-");
            await EfAsync(node, unit, instruments, [warm]);
            await node.ClearAsync("PBW-");
            await BulkAsync(node, unit, instruments, [warm]);
            await node.ClearAsync("PBW-");
            // Pre-fill: the same N rows once (bulk copy, untimed), then deleted. Each timed path then writes into a table
            // and indexes whose files already hold the free space it needs, as the paths after the first always did;
            // without it the first path (the push) alone paid for growing the database files.
            await BulkAsync(node, unit, instruments, batches);
            await node.ExpectAsync(unit, options.Rows);
            await node.ClearAsync(Prefix);

            // The database server's CPU per path (PostgreSQL's backends do the COPY's and INSERTs' work outside this process).
            var server = provider == DatabaseProvider.PostgreSql ? Environment.GetEnvironmentVariable(PostgresVariable) : null;
            var push = await Timed(() => PushAsync(http, bodies), server);
            await node.ExpectAsync(unit, options.Rows);
            await node.ClearAsync(Prefix);
            if (options.PushOnly)
            {
                // For a profile of the push alone (dotnet-trace): no baselines, no ratios.
                Report.Line($"{name}: push API, HTTP + validation (rows/s)", (options.Rows / push.TotalSeconds).ToString("N0", CultureInfo.InvariantCulture),
                    null, null, $"{push.TotalSeconds:F1} s, {push.Cpu(options.Rows)}");
                return true;
            }
            var ef = await Timed(() => EfAsync(node, unit, instruments, batches), server);
            await node.ExpectAsync(unit, options.Rows);
            await node.ClearAsync(Prefix);
            var bulk = await Timed(() => BulkAsync(node, unit, instruments, batches), server);
            await node.ExpectAsync(unit, options.Rows);
            await node.ClearAsync(Prefix);

            double Rate(Timing t) => options.Rows / t.TotalSeconds;
            var (pushRate, efRate, bulkRate) = (Rate(push), Rate(ef), Rate(bulk));
            var vsEf = pushRate / efRate;
            var vsBulk = pushRate / bulkRate;
            static string F(double v) => v.ToString("N0", CultureInfo.InvariantCulture);
            Report.Line($"{name}: push API, HTTP + validation (rows/s)", F(pushRate), null, null, $"{push.TotalSeconds:F1} s, {push.Cpu(options.Rows)}");
            Report.Line($"{name}: EF AddRange + SaveChanges (rows/s)", F(efRate), null, null, $"{ef.TotalSeconds:F1} s, {ef.Cpu(options.Rows)}");
            Report.Line($"{name}: linq2db bulk copy (rows/s)", F(bulkRate), null, null, $"{bulk.TotalSeconds:F1} s, {bulk.Cpu(options.Rows)}");
            Report.Line($"{name}: push vs EF", F(pushRate), F(efRate), vsEf.ToString("0.00", CultureInfo.InvariantCulture), ">= 5.00", vsEf >= 5);
            Report.Line($"{name}: push vs bulk copy", F(pushRate), F(bulkRate), vsBulk.ToString("0.00", CultureInfo.InvariantCulture), ">= 0.50", vsBulk >= 0.5);
            return vsEf >= 5 && vsBulk >= 0.5;
        }
        finally
        {
            if (sqliteFile is not null)
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                foreach (var suffix in new[] { "", "-wal", "-shm" }) { try { File.Delete(sqliteFile + suffix); } catch (IOException) { } }
            }
            if (pgDatabase is not null)
            {
                DropPostgresDatabase(pgDatabase);
            }
        }
    }

    /// <summary>A path's wall time, and the CPU it took in this process (node and client) and in the PostgreSQL server.</summary>
    private sealed record Timing(TimeSpan Wall, TimeSpan ProcessCpu, TimeSpan ServerCpu)
    {
        public double TotalSeconds => Wall.TotalSeconds;

        public string Cpu(int rows) => ServerCpu == TimeSpan.Zero
            ? $"CPU {ProcessCpu.TotalMilliseconds * 1000 / rows:F0} ms/1,000 rows"
            : $"CPU {ProcessCpu.TotalMilliseconds * 1000 / rows:F0} + postgres {ServerCpu.TotalMilliseconds * 1000 / rows:F0} ms/1,000 rows";
    }

    private static async Task<Timing> Timed(Func<Task> run, string? server)
    {
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var before = server is null ? null : PostgresCpu();
        var watch = Stopwatch.StartNew();
        await run();
        var wall = watch.Elapsed;
        process.Refresh();
        var serverCpu = TimeSpan.Zero;
        if (server is not null && before is not null)
        {
            // Only this cluster's processes (its backends and background workers), not other engineers' clusters.
            var after = PostgresCpu();
            foreach (var pid in await ClusterPidsAsync(server))
            {
                if (after.TryGetValue(pid, out var end))
                {
                    serverCpu += end - before.GetValueOrDefault(pid);
                }
            }
        }
        return new Timing(wall, process.TotalProcessorTime - cpu, serverCpu);
    }

    private static async Task<List<int>> ClusterPidsAsync(string server)
    {
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pid FROM pg_stat_activity", connection);
        var pids = new List<int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            pids.Add(reader.GetInt32(0));
        }
        return pids;
    }

    /// <summary>CPU time of every <c>postgres</c> process by pid (Linux /proc; empty elsewhere).</summary>
    private static Dictionary<int, TimeSpan> PostgresCpu()
    {
        var cpu = new Dictionary<int, TimeSpan>();
        if (!OperatingSystem.IsLinux())
        {
            return cpu;
        }
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var close = stat.LastIndexOf(')');
                if (close < 0 || !stat.AsSpan(0, close).EndsWith("(postgres", StringComparison.Ordinal))
                {
                    continue;
                }
                var fields = stat[(close + 2)..].Split(' ');
                var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                cpu[pid] = TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // a process that ended meanwhile
            }
        }
        return cpu;
    }

    // --- the three paths ------------------------------------------------------------------------------------------

    private static async Task PushAsync(HttpClient http, IEnumerable<byte[]> bodies)
    {
        foreach (var body in bodies)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            using var response = await http.PostAsync("/api/v1/push/service-records", content);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"push answered {(int)response.StatusCode}: {Truncate(await response.Content.ReadAsStringAsync(), 2000)}");
            }
            await response.Content.CopyToAsync(Stream.Null);
        }
    }

    /// <summary>Plain EF Core: a tracking context per batch, <c>AddRange</c>, one <c>SaveChanges</c>.</summary>
    private static async Task EfAsync(PushNode node, string unit, IReadOnlyDictionary<string, Guid> instruments, IEnumerable<RecordDoc[]> batches)
    {
        foreach (var batch in batches)
        {
            await using var scope = node.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
            db.ChangeTracker.QueryTrackingBehavior = QueryTrackingBehavior.TrackAll;
            db.ServiceRecords.AddRange(batch.Select(d => d.ToEntity(unit, instruments)));
            await db.SaveChangesAsync();
        }
    }

    /// <summary>Raw linq2db bulk copy with the demo loader's options, one transaction per batch (as a push has).</summary>
    private static async Task BulkAsync(PushNode node, string unit, IReadOnlyDictionary<string, Guid> instruments, IEnumerable<RecordDoc[]> batches)
    {
        foreach (var batch in batches)
        {
            await using var scope = node.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
            var options = new BulkCopyOptions
            {
                BulkCopyType = db.Database.IsNpgsql() ? BulkCopyType.ProviderSpecific : BulkCopyType.MultipleRows,
                MaxBatchSize = 5_000,
                KeepIdentity = true,
            };
            await using var transaction = await db.Database.BeginTransactionAsync();
            await db.BulkCopyAsync(options, batch.Select(d => d.ToEntity(unit, instruments)));
            await transaction.CommitAsync();
        }
    }

    // --- the rows -------------------------------------------------------------------------------------------------

    /// <summary>One service record as the push API takes it (docs/push.md, schemas/service-record/v1.json).</summary>
    internal sealed record RecordDoc(
        string ExternalId, string InstrumentInnerId, string StartedAt, string EndedAt, double Hours, int? Samples,
        string? Content, string? Subject, string UserName, string UserOrganization, string? UserCreditCode,
        string? UserRegionCode, bool IsExternal, bool IsStatutory, decimal FeeCny, string PaymentMethod, string? VoucherNo,
        decimal? VoucherAmountCny, bool BookedOnPlatform, int? Rating, string? Feedback)
    {
        public ServiceRecord ToEntity(string unit, IReadOnlyDictionary<string, Guid> instruments) => new()
        {
            Id = Guid.NewGuid(),
            UnitId = unit,
            InstrumentId = instruments[InstrumentInnerId],
            ExternalId = ExternalId,
            StartedAt = DateTimeOffset.Parse(StartedAt, CultureInfo.InvariantCulture).UtcDateTime,
            EndedAt = DateTimeOffset.Parse(EndedAt, CultureInfo.InvariantCulture).UtcDateTime,
            Hours = Hours,
            Samples = Samples,
            Content = Content,
            Subject = Subject,
            UserName = UserName,
            UserOrganization = UserOrganization,
            UserCreditCode = UserCreditCode,
            UserRegionCode = UserRegionCode,
            IsExternal = IsExternal,
            IsStatutory = IsStatutory,
            FeeCny = FeeCny,
            PaymentMethod = PaymentMethod switch { "cash" => Api.ServiceRecords.PaymentMethod.Cash, "voucher" => Api.ServiceRecords.PaymentMethod.Voucher, _ => Api.ServiceRecords.PaymentMethod.Transfer },
            VoucherNo = VoucherNo,
            VoucherAmountCny = VoucherAmountCny,
            BookedOnPlatform = BookedOnPlatform,
            Rating = Rating,
            Feedback = Feedback,
            UpdatedAt = DateTime.UtcNow,
        };
    }

    private static readonly string[] Users = ["李明", "王芳", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽"];
    private static readonly string[] Organizations = ["淳安某新材料有限公司", "浙江大学化学系", "宁波某生物科技有限公司", "丽水学院", "温州某检测中心"];
    private static readonly string[] Regions = ["330127", "330106", "331102", "330212", "330302"];

    /// <summary>Deterministic rows: the same N for every path (ids aside, which each path makes as it inserts).</summary>
    internal static RecordDoc[] Generate(int count, string[] innerIds, string prefix = Prefix)
    {
        var start = new DateTimeOffset(2026, 1, 5, 8, 0, 0, TimeSpan.FromHours(8));
        var docs = new RecordDoc[count];
        for (var i = 0; i < count; i++)
        {
            var began = start.AddMinutes(i * 7L);
            var minutes = 30 + i % 8 * 15;
            var fee = 100m + i % 997 + (i % 4) * 0.25m;
            var payment = (i % 3) switch { 0 => "cash", 1 => "transfer", _ => "voucher" };
            docs[i] = new RecordDoc(
                $"{prefix}{i:D7}", innerIds[i % innerIds.Length],
                began.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
                began.AddMinutes(minutes).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
                minutes / 60.0, i % 5 == 0 ? null : i % 12 + 1,
                "样品形貌观察与成分分析", i % 2 == 0 ? "材料科学" : null,
                Users[i % Users.Length], Organizations[i % Organizations.Length],
                i % 4 == 0 ? "91330127MA2B7K3P77" : null, Regions[i % Regions.Length],
                i % 3 != 0, i % 10 == 0, fee, payment,
                payment == "voucher" ? $"ZJKJQ-2026-{i:D7}" : null, payment == "voucher" ? Math.Round(fee / 2, 2) : null,
                i % 2 == 1, i % 6 == 0 ? null : i % 5 + 1, i % 7 == 0 ? "出图快，老师很专业" : null);
        }
        return docs;
    }

    // --- PostgreSQL -----------------------------------------------------------------------------------------------

    private static (string Name, string ConnectionString) CreatePostgresDatabase()
    {
        var server = Environment.GetEnvironmentVariable(PostgresVariable)!;
        var name = $"dxyq_bench_push_{Guid.NewGuid():N}"[..40];
        using (var connection = new NpgsqlConnection(server))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"CREATE DATABASE \"{name}\"";
            command.ExecuteNonQuery();
        }
        return (name, new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString);
    }

    private static void DropPostgresDatabase(string name)
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            using var connection = new NpgsqlConnection(Environment.GetEnvironmentVariable(PostgresVariable));
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)";
            command.ExecuteNonQuery();
        }
        catch (NpgsqlException e)
        {
            Console.Error.WriteLine($"could not drop database {name}: {e.Message}");
        }
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max] + "…";

    /// <summary>The node in this process on real Kestrel (loopback), demo data at scale 0.02.</summary>
    private sealed class PushNode : WebApplicationFactory<DatabaseOptions>
    {
        private readonly DatabaseProvider _provider;
        private readonly string _connectionString;
        private readonly int _batch;

        public PushNode(DatabaseProvider provider, string connectionString, int batch)
        {
            (_provider, _connectionString, _batch) = (provider, connectionString, batch);
            // Outside a test project there is no solution-relative content root: the binaries' folder is it.
            Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_DXYQOPENDATA_API", AppContext.BaseDirectory);
            UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
            StartServer();
            var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            Origin = new Uri(new Uri(address).GetLeftPart(UriPartial.Authority));
        }

        public Uri Origin { get; }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            builder.UseSetting("Database:Provider", _provider.ToString());
            builder.UseSetting("Database:ConnectionString", _connectionString);
            builder.UseSetting("Demo:Enabled", "true");
            builder.UseSetting("Demo:Seed", "42");
            builder.UseSetting("Demo:Scale", "0.02");
            builder.UseSetting("SensorBridge:Enabled", "false");
            builder.UseSetting("Auth:RequireHttps", "false");
            builder.UseSetting("Push:MaxItems", Math.Max(10_000, _batch).ToString(CultureInfo.InvariantCulture));
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
            builder.UseSetting("Logging:Console:FormatterName", "simple");
            builder.UseSetting("Logging:LogLevel:Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware", "Warning");
        }

        /// <summary>The unit with the most published instruments, and those instruments: innerId → id.</summary>
        public async Task<(string Unit, Dictionary<string, Guid> Instruments)> UnitWithInstrumentsAsync()
        {
            await using var scope = Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
            var published = db.Instruments.IgnoreQueryFilters().Where(i => !i.IsConfidential);
            var unit = await published.GroupBy(i => i.UnitId).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).Select(g => g.Key).FirstAsync();
            var instruments = await published.Where(i => i.UnitId == unit).OrderBy(i => i.InnerId).Take(200)
                .ToDictionaryAsync(i => i.InnerId, i => i.Id, StringComparer.Ordinal);
            return (unit, instruments);
        }

        /// <summary>A client of the unit with <c>records.write</c> (the <c>clients add</c> command, in process) and its token.</summary>
        public async Task<HttpClient> PushClientAsync(string unit)
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var exit = await ClientsCommand.RunAsync(Services, ["add", "--name", "push-benchmark", "--unit", unit, "--scopes", "records.write"], stdout, stderr);
            if (exit != 0)
            {
                throw new InvalidOperationException($"clients add failed ({exit}): {stderr}");
            }
            using var added = JsonDocument.Parse(stdout.ToString());
            var id = added.RootElement.GetProperty("clientId").GetString()!;
            var secret = added.RootElement.GetProperty("clientSecret").GetString()!;

            var http = new HttpClient { BaseAddress = Origin, Timeout = TimeSpan.FromMinutes(10) };
            using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "records.write" }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(id)}:{Uri.EscapeDataString(secret)}")));
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"token request answered {(int)response.StatusCode}: {body}");
            }
            using var token = JsonDocument.Parse(body);
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.RootElement.GetProperty("access_token").GetString());
            return http;
        }

        /// <summary>Deletes the rows a path wrote, so the next one starts from the same table.</summary>
        public async Task ClearAsync(string prefix)
        {
            await using var scope = Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
            await db.ServiceRecords.IgnoreQueryFilters().Where(r => r.ExternalId.StartsWith(prefix)).ExecuteDeleteAsync();
            if (db.Database.IsNpgsql())
            {
                await db.Database.ExecuteSqlRawAsync("VACUUM ANALYZE service_records");
            }
        }

        /// <summary>A path that wrote fewer (or more) rows measured other work: refuse its figure.</summary>
        public async Task ExpectAsync(string unit, int rows)
        {
            await using var scope = Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
            var count = await db.ServiceRecords.IgnoreQueryFilters().CountAsync(r => r.UnitId == unit && r.ExternalId.StartsWith(Prefix));
            if (count != rows)
            {
                throw new InvalidOperationException($"expected {rows} rows written, found {count}");
            }
        }
    }
}
