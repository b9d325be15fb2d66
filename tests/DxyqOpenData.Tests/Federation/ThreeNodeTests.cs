using System.Net;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace DxyqOpenData.Tests.Federation;

/// <summary>
/// Three real nodes on Kestrel (SH and JS, each with its own region's demo data and a <c>federation</c> client
/// registered for ZJ; ZJ with them as peers): ZJ gets real tokens from them and merges their real answers.
/// </summary>
public sealed class ThreeNodeTests
{
    [Fact]
    public async Task Zj_merges_the_real_answers_of_sh_and_js_with_real_tokens()
    {
        using var sh = OnKestrel(new NodeFactory(DatabaseProvider.Sqlite, new Dictionary<string, string?> { ["Node:Code"] = "SH", ["Demo:Seed"] = "2" }));
        using var js = OnKestrel(new NodeFactory(DatabaseProvider.Sqlite, new Dictionary<string, string?> { ["Node:Code"] = "JS", ["Demo:Seed"] = "3" }));
        var shClient = await sh.AddClientAsync("federation", name: "浙江节点");
        var jsClient = await js.AddClientAsync("federation", name: "浙江节点");

        var settings = new Dictionary<string, string?> { ["Node:Code"] = "ZJ" };
        foreach (var (i, code, node, client) in new[] { (0, "SH", sh, shClient), (1, "JS", js, jsClient) })
        {
            settings[$"Federation:Peers:{i}:Code"] = code;
            settings[$"Federation:Peers:{i}:BaseUrl"] = Address(node);
            settings[$"Federation:Peers:{i}:ClientId"] = client.ClientId;
            settings[$"Federation:Peers:{i}:ClientSecret"] = client.ClientSecret;
            settings[$"Federation:Peers:{i}:Timeout"] = "00:00:05";
        }
        using var zj = new NodeFactory(DatabaseProvider.Sqlite, settings);
        var http = zj.CreateClient();

        var nodes = new Dictionary<string, HttpClient> { ["ZJ"] = http, ["SH"] = sh.CreateClient(), ["JS"] = js.CreateClient() };
        var union = new List<(string Node, JsonObject Row)>();
        foreach (var (code, client) in nodes)
        {
            for (string? next = "/odata/Instruments?$select=id,priceCny"; next is not null;)
            {
                var page = JsonNode.Parse(await client.GetStringAsync(next))!;
                union.AddRange(page["value"]!.AsArray().Select(v => (code, v!.AsObject())));
                next = page["@odata.nextLink"]?.GetValue<string>();
            }
        }
        var expected = union
            .OrderByDescending(r => r.Row["priceCny"]!.GetValue<decimal>())
            .ThenBy(r => r.Node, StringComparer.Ordinal)
            .ThenBy(r => r.Row["id"]!.GetValue<string>(), StringComparer.Ordinal)
            .Skip(30).Take(120).Select(r => $"{r.Node}:{r.Row["id"]}").ToList();

        var response = await http.GetAsync("/federation/odata/Instruments?$orderby=priceCny desc&$skip=30&$top=120&$count=true");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var json = JsonNode.Parse(body)!;
        Assert.All(json["sources"]!.AsArray(), s => Assert.True(s!["status"]!.GetValue<string>() == "ok", body[..Math.Min(body.Length, 2000)]));
        Assert.Equal(union.Count, json["@odata.count"]!.GetValue<long>());
        var rows = json["value"]!.AsArray().Select(v => v!.AsObject()).ToList();
        var more = JsonNode.Parse(await http.GetStringAsync(json["@odata.nextLink"]!.GetValue<string>()))!;
        rows.AddRange(more["value"]!.AsArray().Select(v => v!.AsObject()));
        Assert.Null(more["@odata.nextLink"]);
        Assert.Equal(expected, rows.Select(r => $"{r["node"]}:{r["id"]}"));
        Assert.Equal(["JS", "SH", "ZJ"], rows.Select(r => r["node"]!.GetValue<string>()).Distinct().Order(StringComparer.Ordinal));
        // The peers show contacts to a federation token; the federated answer (public) never does.
        var direct = await sh.WithToken(await sh.CreateClient().TokenAsync(shClient, "federation")).GetStringAsync("/odata/Instruments?$top=20");
        Assert.Contains("contactPhone", direct);
        Assert.DoesNotContain(rows, r => r.ContainsKey("contactPhone") || r.ContainsKey("contactEmail"));

        var offerings = await http.GetStringAsync("/federation/odata/ServiceOfferings?$expand=instrument&$top=300");
        Assert.Contains("\"node\":\"SH\"", offerings);
        Assert.Contains("\"instrument\":{", offerings);
        Assert.DoesNotContain("contactPhone", offerings);
        Assert.DoesNotContain("contactEmail", offerings);

        var peers = JsonNode.Parse(await http.GetStringAsync("/federation/peers"))!["peers"]!.AsArray();
        Assert.All(peers, p =>
        {
            Assert.Equal("closed", p!["circuit"]!.GetValue<string>());
            Assert.NotNull(p["lastSuccessAt"]);
        });
    }

    private static NodeFactory OnKestrel(NodeFactory node)
    {
        node.StartOnLoopback();
        return node;
    }

    private static string Address(NodeFactory node) =>
        node.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single() + "/";
}
