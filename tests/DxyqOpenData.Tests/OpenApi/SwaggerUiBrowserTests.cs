using System.Text.Json;
using DxyqOpenData.Tests.Infrastructure;

namespace DxyqOpenData.Tests.OpenApi;

/// <summary>
/// Swagger UI as a person sees it: the node on a real Kestrel port, Debian's headless Chromium renders
/// /swagger/index.html, and the DOM must show the operations. Chromium's network log proves the page needs nothing
/// from outside the node (the assets are embedded in Swashbuckle).
/// </summary>
public sealed class SwaggerUiBrowserTests
{
    [Fact]
    public async Task Swagger_ui_renders_every_entity_set_from_the_node_alone()
    {
        using var node = new SqliteNode();
        var origin = new Uri(node.StartOnLoopback()).GetLeftPart(UriPartial.Authority);

        var profile = Directory.CreateTempSubdirectory("dxyq-chromium-");
        try
        {
            var netLog = Path.Combine(profile.FullName, "net-log.json");
            var dom = await DumpDomAsync($"{origin}/swagger/index.html", profile.FullName, netLog);

            foreach (var set in new[] { "Units", "Instruments", "ServiceOfferings", "ServiceRecords", "Datasets", "Sensors", "UsageSessions", "Alerts" })
            {
                Assert.True(dom.Contains($"id=\"operations-tag-{set}\"", StringComparison.Ordinal), $"No tag section for {set} in the rendered page:\n{Head(dom)}");
                Assert.True(dom.Contains($"data-path=\"/odata/{set}\"", StringComparison.Ordinal), $"No operation for /odata/{set} in the rendered page:\n{Head(dom)}");
            }
            Assert.Contains("opblock-get", dom);
            Assert.Contains("大型科研仪器开放数据交换节点", dom);
            Assert.Contains("authorize", dom); // the Authorize button of the OAuth 2.0 scheme

            var fetched = PageRequests(await File.ReadAllTextAsync(netLog));
            Assert.Contains($"{origin}/swagger/v1/swagger.json", fetched);
            var outside = fetched.Where(u => !u.StartsWith(origin + "/", StringComparison.Ordinal)).ToList();
            Assert.True(outside.Count == 0, $"Swagger UI fetched from outside the node: {string.Join(", ", outside)}");
        }
        finally
        {
            try { profile.Delete(recursive: true); } catch (IOException) { }
        }
    }

    private static async Task<string> DumpDomAsync(string url, string profile, string netLog)
    {
        var dom = await HeadlessChromium.RunAsync(profile, $"--log-net-log={netLog}", "--virtual-time-budget=15000", "--dump-dom", url);
        Assert.True(dom.Length > 0, "Chromium rendered nothing.");
        return dom;
    }

    /// <summary>
    /// URLs the page itself asked for (requests whose initiator is an origin), from Chromium's net log. The browser's
    /// own background requests have no origin as initiator and are left out.
    /// </summary>
    private static List<string> PageRequests(string netLog)
    {
        using var log = ParseNetLog(netLog);
        var startJob = log.RootElement.GetProperty("constants").GetProperty("logEventTypes").GetProperty("URL_REQUEST_START_JOB").GetInt32();
        return log.RootElement.GetProperty("events").EnumerateArray()
            .Where(e => e.GetProperty("type").GetInt32() == startJob && e.TryGetProperty("params", out _))
            .Select(e => e.GetProperty("params"))
            .Where(p => p.TryGetProperty("initiator", out var i) && i.GetString()!.StartsWith("http", StringComparison.Ordinal))
            .Select(p => p.GetProperty("url").GetString()!)
            .Distinct()
            .ToList();
    }

    // A log Chromium did not get to close ends inside the events array.
    private static JsonDocument ParseNetLog(string netLog)
    {
        try
        {
            return JsonDocument.Parse(netLog);
        }
        catch (JsonException)
        {
            return JsonDocument.Parse(netLog.TrimEnd().TrimEnd(',') + "]}");
        }
    }

    private static string Head(string dom) => dom.Length > 2000 ? dom[..2000] + "…" : dom;
}
