using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;

namespace DxyqOpenData.Tests.Sensors;

/// <summary>
/// <c>/health/ready</c> follows the bridge's connection to an external mosquitto: healthy once subscribed, unhealthy
/// (the sensor-bridge check, the database still healthy) while the broker is away, healthy again once the bridge has
/// reconnected and subscribed — each time, over several outages.
/// </summary>
public sealed class BridgeReadyTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite, false)]
    [InlineData(DatabaseProvider.PostgreSql, true)]
    public async Task Ready_goes_unhealthy_while_the_broker_is_away_and_healthy_again_after_the_bridge_resubscribes(DatabaseProvider provider, bool killFirst)
    {
        using var broker = new MosquittoProcess();
        await broker.StartAsync();
        await using var node = new NodeFactory(provider, new Dictionary<string, string?>
        {
            ["Demo:Enabled"] = "false",
            ["SensorBridge:Enabled"] = "true",
            ["SensorBridge:Broker"] = "External",
            ["SensorBridge:External:Host"] = "127.0.0.1",
            ["SensorBridge:External:Port"] = broker.Port.ToString(CultureInfo.InvariantCulture),
            ["SensorBridge:External:ClientId"] = $"bridge-{Guid.NewGuid():N}",
            ["SensorBridge:External:SharedGroup"] = "",
        });
        var client = node.CreateClient();
        await ReadyBecomesAsync(client, HttpStatusCode.OK, "Healthy");

        // SIGTERM and SIGKILL alternate; the bridge must notice either (a killed broker sends no DISCONNECT).
        foreach (var kill in new[] { killFirst, !killFirst, killFirst })
        {
            await broker.StopAsync(kill);
            var down = await ReadyBecomesAsync(client, HttpStatusCode.ServiceUnavailable, "Unhealthy");
            Assert.Equal("Healthy", down.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
            // Still away: it stays unhealthy, not healthy again by a stale flag.
            await Task.Delay(1000);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health/ready")).StatusCode);

            await broker.StartAsync();
            await ReadyBecomesAsync(client, HttpStatusCode.OK, "Healthy");
        }
    }

    /// <summary>Polls until the answer has <paramref name="status"/> and the sensor-bridge check says <paramref name="check"/> (10 s at most).</summary>
    private static async Task<JsonElement> ReadyBecomesAsync(HttpClient client, HttpStatusCode status, string check)
    {
        var last = "";
        for (var deadline = DateTime.UtcNow.AddSeconds(10); DateTime.UtcNow < deadline; await Task.Delay(100))
        {
            var response = await client.GetAsync("/health/ready");
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            var bridge = body.GetProperty("checks").GetProperty("sensor-bridge");
            last = $"{(int)response.StatusCode} {bridge}";
            if (response.StatusCode == status && bridge.GetProperty("status").GetString() == check) return body;
        }
        Assert.Fail($"/health/ready did not become {(int)status} with sensor-bridge {check} within 10 s; last: {last}");
        return default;
    }
}
