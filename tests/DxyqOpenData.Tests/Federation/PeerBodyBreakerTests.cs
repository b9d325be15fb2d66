using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace DxyqOpenData.Tests.Federation;

/// <summary>
/// A peer that answers 200 and then drips, sends garbage or cuts its body short fails the whole exchange, and the
/// exchange is what the circuit breaker counts: after the configured number of failures the circuit opens and the
/// peer is asked no more (docs/federation.md).
/// </summary>
public sealed class PeerBodyBreakerTests
{
    // The whole exchange (token, request, body) must reach the peer within it: 1 s was not always enough for a cold node
    // on a loaded machine (the first query timed out before the peer saw it, so the peer counted one query too few).
    private static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(2);

    [Theory]
    [InlineData("drip", 3, "timeout")]
    [InlineData("drip", 2, "timeout")]
    [InlineData("garbage", 3, "error")]
    [InlineData("truncated", 4, "error")]
    public async Task A_peer_answering_200_then_misbehaving_in_its_body_opens_the_circuit_after_the_configured_failures(
        string behaviour, int failures, string status)
    {
        Func<HttpResponse, CancellationToken, Task> body = behaviour switch
        {
            "drip" => MisbehavingPeer.Drip,
            "garbage" => MisbehavingPeer.Garbage,
            _ => MisbehavingPeer.Truncated,
        };
        await using var peer = await MisbehavingPeer.StartAsync(body);
        using var node = new NodeFactory(DatabaseProvider.Sqlite, new Dictionary<string, string?>
        {
            ["Node:Code"] = "ZJ",
            ["Federation:BreakDuration"] = "00:01:00",
            ["Federation:CircuitMinimumThroughput"] = failures.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Federation:CircuitFailureRatio"] = "0.5",
            ["Federation:Peers:0:Code"] = "SH",
            ["Federation:Peers:0:BaseUrl"] = peer.BaseUrl,
            ["Federation:Peers:0:ClientId"] = "zj",
            ["Federation:Peers:0:ClientSecret"] = "secret",
            ["Federation:Peers:0:Timeout"] = PeerTimeout.ToString(),
        });
        var http = node.CreateClient();

        var seen = new List<string>();
        for (var i = 0; i < failures; i++)
        {
            var (answer, elapsed) = await StatusOfAsync(http);
            seen.Add(answer);
            // Never much more than the peer's timeout, the body included (the first query also warms the node up).
            Assert.True(i == 0 || elapsed < PeerTimeout * 4, $"query {i + 1} took {elapsed}");
        }
        Assert.Equal(Enumerable.Repeat(status, failures), seen);
        Assert.Equal(failures, peer.Queries);

        var (next, _) = await StatusOfAsync(http);
        Assert.Equal("circuit-open", next);
        Assert.Equal(failures, peer.Queries); // not asked again while open
        var peers = JsonNode.Parse(await http.GetStringAsync("/federation/peers"))!["peers"]!.AsArray();
        Assert.Equal("open", peers.Single(p => p!["node"]!.GetValue<string>() == "SH")!["circuit"]!.GetValue<string>());
    }

    private static async Task<(string Status, TimeSpan Elapsed)> StatusOfAsync(HttpClient http)
    {
        var watch = Stopwatch.StartNew();
        var response = await http.GetAsync("/federation/odata/Instruments?$top=2&$select=id");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var status = json["sources"]!.AsArray().Single(s => s!["node"]!.GetValue<string>() == "SH")!["status"]!.GetValue<string>();
        return (status, watch.Elapsed);
    }
}
