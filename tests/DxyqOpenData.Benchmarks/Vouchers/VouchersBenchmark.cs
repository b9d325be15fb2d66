using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Commands;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.ServiceRecords;
using DxyqOpenData.Api.Vouchers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DxyqOpenData.Benchmarks.Vouchers;

/// <summary>
/// The reconciliation target (issue 16): a 100,000-line ledger posted to <c>POST /api/v1/vouchers/reconciliations</c>
/// (real Kestrel, a real <c>vouchers</c> token) against the demo data's voucher-paid records on SQLite, end to end in
/// under 5 s, beside the floor: parsing and validating the same bytes in process (<c>LedgerReader</c>). See README.md.
/// </summary>
public static class VouchersBenchmark
{
    private const double TargetSeconds = 5;

    public static async Task<int> RunAsync(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2) values[args[i]] = args[i + 1];
        var lines = int.Parse(values.GetValueOrDefault("--lines", "100000"), CultureInfo.InvariantCulture);
        var scale = values.GetValueOrDefault("--scale", "1.0");
        var runs = int.Parse(values.GetValueOrDefault("--runs", "3"), CultureInfo.InvariantCulture);
        var file = Path.Combine(Path.GetTempPath(), $"dxyq-bench-vouchers-{Guid.NewGuid():N}.db");
        try
        {
            var load = Stopwatch.StartNew();
            await using var node = new VoucherNode($"Data Source={file}", scale);
            var records = await node.VoucherRecordsAsync();
            Console.WriteLine($"# sqlite: node up with demo data (scale {scale}) in {load.Elapsed.TotalSeconds:F1} s; {records.Count:N0} voucher-paid records");
            var (body, composition) = Ledger(records, lines);
            Console.WriteLine($"# ledger: {lines:N0} lines as NDJSON, {body.Length / 1024.0 / 1024.0:F1} MiB: {composition}");
            using var http = await node.VoucherClientAsync();
            var (from, to) = (records.Min(r => r.StartedAt).AddDays(-1), records.Max(r => r.StartedAt).AddDays(1));
            var url = $"/api/v1/vouchers/reconciliations?from={from:yyyy-MM-dd}&to={to:yyyy-MM-dd}";

            // Warm-up: one small ledger and one parse, so neither figure pays the JIT.
            await PostAsync(http, url, Ledger(records, 500).Body);
            Floor(body);

            var posts = new List<double>();
            var floors = new List<double>();
            var postCpu = new List<double>();
            var floorCpu = new List<double>();
            for (var run = 0; run < runs; run++)
            {
                var cpu = CpuSeconds();
                floors.Add(Floor(body));
                floorCpu.Add(CpuSeconds() - cpu);
                (var clock, cpu) = (Stopwatch.StartNew(), CpuSeconds());
                await PostAsync(http, url, body);
                posts.Add(clock.Elapsed.TotalSeconds);
                postCpu.Add(CpuSeconds() - cpu);
            }
            var (post, floor) = (posts.Order().ElementAt(runs / 2), floors.Order().ElementAt(runs / 2));
            Report.Columns();
            Report.Line("sqlite: reconcile over HTTP vs parse+validate (s)", post.ToString("F2", CultureInfo.InvariantCulture),
                floor.ToString("F2", CultureInfo.InvariantCulture), $"{post / floor:F1}x", $"< {TargetSeconds} s end to end", post < TargetSeconds);
            var (cpuPost, cpuFloor) = (postCpu.Order().ElementAt(runs / 2), floorCpu.Order().ElementAt(runs / 2));
            Report.Line("  the same, CPU time of the process (s)", cpuPost.ToString("F2", CultureInfo.InvariantCulture),
                cpuFloor.ToString("F2", CultureInfo.InvariantCulture), $"{cpuPost / cpuFloor:F1}x");
            Console.WriteLine($"# median of {runs} runs; each: {string.Join(", ", posts.Select(p => p.ToString("F2", CultureInfo.InvariantCulture)))} s");
            return post < TargetSeconds ? 0 : 1;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                try { File.Delete(file + suffix); } catch (IOException) { }
            }
        }
    }

    /// <summary>CPU time of this process (node, client and SQLite): it hardly grows when other processes take the cores.</summary>
    private static double CpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    /// <summary>Seconds to parse and validate the ledger as the endpoint does before it touches the database.</summary>
    private static double Floor(byte[] body)
    {
        var clock = Stopwatch.StartNew();
        var items = LedgerReader.Parse(body, "application/x-ndjson");
        var (_, errors) = LedgerReader.Validate(items, CancellationToken.None);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"the ledger is invalid: {errors[0]}");
        }
        return clock.Elapsed.TotalSeconds;
    }

    private static async Task PostAsync(HttpClient http, string url, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        using var response = await http.PostAsync(url, content);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"reconciliation answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    private sealed record Rec(string UnitId, string ExternalId, string VoucherNo, decimal VoucherAmountCny, string? Enterprise, DateTime StartedAt);

    /// <summary>
    /// What a voucher system would send: a line for nearly every voucher-paid record (1 in 50 with another amount, 1 in
    /// 100 left out, 1 in 200 twice), the rest up to <paramref name="count"/> lines for records the node does not have.
    /// </summary>
    private static (byte[] Body, string Composition) Ledger(IReadOnlyList<Rec> records, int count)
    {
        var text = new StringBuilder();
        var (n, matched, changed, duplicated, unknown) = (0, 0, 0, 0, 0);
        void Add(string voucherNo, string unit, string externalId, decimal amount, string enterprise)
        {
            text.Append(JsonSerializer.Serialize(new
            {
                lineId = $"BL-{n++}", voucherNo, serviceRecord = new { unitId = unit, externalId }, enterpriseCreditCode = enterprise,
                amountCny = amount, paidAt = "2026-06-01T10:00:00+08:00",
            })).Append('\n');
        }
        for (var i = 0; i < records.Count && n < count; i++)
        {
            var r = records[i];
            if (i % 100 == 7)
            {
                continue;
            }
            var enterprise = r.Enterprise ?? "91330127MA2B7K3P77";
            var amount = i % 50 == 3 ? r.VoucherAmountCny + 1.01m : r.VoucherAmountCny;
            (changed, matched) = amount != r.VoucherAmountCny ? (changed + 1, matched) : (changed, matched + 1);
            Add(r.VoucherNo, r.UnitId, r.ExternalId, amount, enterprise);
            if (i % 200 == 11 && n < count)
            {
                Add(r.VoucherNo, r.UnitId, r.ExternalId, amount, enterprise);
                duplicated++;
            }
        }
        var someUnit = records.Count > 0 ? records[0].UnitId : "12330000470003281H";
        while (n < count)
        {
            Add($"CQ-UNKNOWN-{n}", someUnit, $"NOT-IN-NODE-{n}", 100 + n % 1000, "91330127MA2B7K3P77");
            unknown++;
        }
        return (Encoding.UTF8.GetBytes(text.ToString()),
            $"{matched:N0} as recorded, {changed:N0} other amounts, {duplicated:N0} twice, {unknown:N0} not in the node");
    }

    private sealed class VoucherNode : WebApplicationFactory<DatabaseOptions>
    {
        private readonly string _connectionString;
        private readonly string _scale;

        public VoucherNode(string connectionString, string scale)
        {
            (_connectionString, _scale) = (connectionString, scale);
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
            builder.UseSetting("Database:Provider", "Sqlite");
            builder.UseSetting("Database:ConnectionString", _connectionString);
            builder.UseSetting("Demo:Enabled", "true");
            builder.UseSetting("Demo:Seed", "42");
            builder.UseSetting("Demo:Scale", _scale);
            builder.UseSetting("SensorBridge:Enabled", "false");
            builder.UseSetting("Auth:RequireHttps", "false");
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
            // The reconciliation's own line: the time from the validated lines to the stored report.
            builder.UseSetting("Logging:LogLevel:DxyqOpenData.Api.Vouchers.ReconciliationService", "Information");
            builder.UseSetting("Logging:Console:FormatterName", "simple");
            builder.UseSetting("Logging:LogLevel:Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware", "Warning");
        }

        public async Task<List<Rec>> VoucherRecordsAsync()
        {
            await using var scope = Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
            var rows = await db.ServiceRecords.AsNoTracking().Where(r => r.PaymentMethod == PaymentMethod.Voucher && r.VoucherNo != null)
                .OrderBy(r => r.UnitId).ThenBy(r => r.ExternalId)
                .Select(r => new { r.UnitId, r.ExternalId, r.VoucherNo, r.VoucherAmountCny, r.UserCreditCode, r.StartedAt }).ToListAsync();
            return rows.Select(r => new Rec(r.UnitId.Trim(), r.ExternalId, r.VoucherNo!, r.VoucherAmountCny ?? 0, r.UserCreditCode?.Trim(), r.StartedAt)).ToList();
        }

        /// <summary>A voucher system's client (the <c>clients add</c> command, in process) and its token.</summary>
        public async Task<HttpClient> VoucherClientAsync()
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            if (await ClientsCommand.RunAsync(Services, ["add", "--name", "voucher-benchmark", "--scopes", "vouchers"], stdout, stderr) != 0)
            {
                throw new InvalidOperationException($"clients add failed: {stderr}");
            }
            using var added = JsonDocument.Parse(stdout.ToString());
            var (id, secret) = (added.RootElement.GetProperty("clientId").GetString()!, added.RootElement.GetProperty("clientSecret").GetString()!);
            var http = new HttpClient { BaseAddress = Origin, Timeout = TimeSpan.FromMinutes(10) };
            using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "vouchers" }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(id)}:{Uri.EscapeDataString(secret)}")));
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            using var token = response.IsSuccessStatusCode ? JsonDocument.Parse(body) : throw new InvalidOperationException($"token: {(int)response.StatusCode} {body}");
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.RootElement.GetProperty("access_token").GetString());
            return http;
        }
    }
}
