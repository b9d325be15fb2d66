using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using DxyqOpenData.Api.Commands;
using DxyqOpenData.Api.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DxyqOpenData.Benchmarks.Federation;

/// <summary>
/// One regional node in this process on real Kestrel (loopback): its own temp SQLite file, its own region's demo data
/// (<c>Node:Code</c>, <c>Demo:Seed</c>, <c>Demo:Scale</c>), production settings, plus the given ones (peers).
/// </summary>
public sealed class RegionNode : WebApplicationFactory<DatabaseOptions>
{
    private readonly string _code;
    private readonly int _seed;
    private readonly double _scale;
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"dxyq-bench-federation-{Guid.NewGuid():N}.db");

    public RegionNode(string code, int seed, double scale, IReadOnlyDictionary<string, string?>? settings = null)
    {
        (_code, _seed, _scale, _settings) = (code, seed, scale, settings ?? new Dictionary<string, string?>());
        // Outside a test project there is no solution-relative content root: the binaries' folder is it.
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_DXYQOPENDATA_API", AppContext.BaseDirectory);
        UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Origin = new Uri(new Uri(address).GetLeftPart(UriPartial.Authority) + "/");
    }

    public string Code => _code;

    /// <summary>The node's own address, e.g. <c>http://127.0.0.1:40123/</c>.</summary>
    public Uri Origin { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("Database:Provider", nameof(DatabaseProvider.Sqlite));
        builder.UseSetting("Database:ConnectionString", $"Data Source={_file}");
        builder.UseSetting("Node:Code", _code);
        builder.UseSetting("Demo:Enabled", "true");
        builder.UseSetting("Demo:Seed", _seed.ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Demo:Scale", _scale.ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("SensorBridge:Enabled", "false");
        builder.UseSetting("Auth:RequireHttps", "false");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Logging:Console:FormatterName", "simple");
        builder.UseSetting("Logging:LogLevel:Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware", "Warning");
        // A hanging peer is expected in one scenario: its timeouts are the figure, not news.
        builder.UseSetting("Logging:LogLevel:Polly", "Critical");
        builder.UseSetting("Logging:LogLevel:System.Net.Http.HttpClient", "Error");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>A client registered through the <c>clients add</c> command, in process: (id, secret).</summary>
    public async Task<(string Id, string Secret)> AddClientAsync(string scopes, string name)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await ClientsCommand.RunAsync(Services, ["add", "--name", name, "--scopes", scopes], stdout, stderr);
        if (exit != 0)
        {
            throw new InvalidOperationException($"clients add on {_code} failed ({exit}): {stderr}");
        }
        using var added = JsonDocument.Parse(stdout.ToString());
        return (added.RootElement.GetProperty("clientId").GetString()!, added.RootElement.GetProperty("clientSecret").GetString()!);
    }

    /// <summary>A client-credentials token from <paramref name="tokenEndpoint"/> (the node itself, or its proxy).</summary>
    public static async Task<string> TokenAsync(HttpClient http, Uri tokenEndpoint, (string Id, string Secret) client, string scope)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, tokenEndpoint)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = scope }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(client.Id)}:{Uri.EscapeDataString(client.Secret)}")));
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"token request to {tokenEndpoint} answered {(int)response.StatusCode}: {body}");
        }
        using var token = JsonDocument.Parse(body);
        return token.RootElement.GetProperty("access_token").GetString()!;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                try { File.Delete(_file + suffix); } catch (IOException) { }
            }
        }
    }
}
