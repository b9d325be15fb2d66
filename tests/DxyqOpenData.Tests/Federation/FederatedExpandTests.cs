using System.Net;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using DxyqOpenData.Tests.Infrastructure;

namespace DxyqOpenData.Tests.Federation;

/// <summary>
/// The federated query's local part answers <c>$expand</c> as <c>/odata</c> answers an anonymous client: generated
/// expansions (to-one and collection navigations, nested ones, with <c>$select</c>, <c>$filter</c>, <c>$orderby</c> and
/// <c>$top</c> inside) on each federated set, read from the node's own <c>$metadata</c>, asked of
/// <c>/federation/odata</c> (a node without peers) and of <c>/odata</c>: the same status, and when 200 the same items
/// (each federated item with <c>"node":"ZJ"</c> added), in the same order.
/// </summary>
public abstract class FederatedExpandTests(NodeFactory node)
{
    private const int Queries = 60;

    [Fact]
    public async Task Generated_expansions_answer_as_odata_answers()
    {
        var http = node.CreateClient();
        var types = await TypesAsync(http);
        var random = new Random(20261206);
        var answered = 0;
        var collections = 0;
        var failures = new List<string>();
        for (var i = 0; i < Queries; i++)
        {
            var set = new[] { "Instruments", "ServiceOfferings", "Datasets" }[i % 3];
            var type = types[SetType[set]];
            var options = new List<string> { $"$expand={Expansions(types, type, random, depth: 0)}" };
            if (random.Next(3) == 0)
            {
                options.Add($"$select={string.Join(',', Pick(type.Properties.Keys, random, 1 + random.Next(3)))}");
            }
            options.Add($"$orderby={(random.Next(2) == 0 ? "id desc" : "id")}");
            options.Add($"$top={1 + random.Next(40)}");
            var query = $"{set}?{string.Join('&', options)}";

            var local = await http.GetAsync($"/odata/{query}");
            var federated = await http.GetAsync($"/federation/odata/{query}");
            var localBody = await local.Content.ReadAsStringAsync();
            var federatedBody = await federated.Content.ReadAsStringAsync();
            if (local.StatusCode != federated.StatusCode)
            {
                failures.Add($"{query}: /odata {(int)local.StatusCode}, federated {(int)federated.StatusCode} {federatedBody}");
                continue;
            }
            if (local.StatusCode != HttpStatusCode.OK)
            {
                continue;
            }
            answered++;
            collections += query.Contains("offerings", StringComparison.Ordinal) ? 1 : 0;
            var expected = JsonNode.Parse(localBody)!["value"]!.AsArray();
            var actual = JsonNode.Parse(federatedBody)!["value"]!.AsArray();
            Assert.All(actual, item => Assert.Equal("ZJ", item!["node"]!.GetValue<string>()));
            foreach (var item in actual)
            {
                item!.AsObject().Remove("node");
            }
            if (expected.ToJsonString() != actual.ToJsonString())
            {
                failures.Add($"{query}:\n  /odata    {expected.ToJsonString()[..Math.Min(600, expected.ToJsonString().Length)]}\n  federated {actual.ToJsonString()[..Math.Min(600, actual.ToJsonString().Length)]}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // The generated queries must mostly be ones /odata answers, collections among them.
        Assert.True(answered >= Queries * 2 / 3, $"only {answered} of {Queries} answered");
        Assert.True(collections >= 10, $"only {collections} answered queries expand a collection");
    }

    private static readonly Dictionary<string, string> SetType = new()
    {
        ["Instruments"] = "Instrument", ["ServiceOfferings"] = "ServiceOffering", ["Datasets"] = "Dataset",
    };

    private sealed record EntityType(string Name, Dictionary<string, string> Properties, Dictionary<string, (string Target, bool Collection)> Navigations);

    /// <summary>The entity types as <c>$metadata</c> declares them, restricted properties left out.</summary>
    private static async Task<Dictionary<string, EntityType>> TypesAsync(HttpClient http)
    {
        var csdl = XDocument.Parse(await http.GetStringAsync("/odata/$metadata"));
        XNamespace edm = "http://docs.oasis-open.org/odata/ns/edm";
        return csdl.Descendants(edm + "EntityType").Select(t => new EntityType(
                t.Attribute("Name")!.Value,
                t.Elements(edm + "Property").Where(p => p.Attribute("Name")!.Value is not ("contactPhone" or "contactEmail"))
                    .ToDictionary(p => p.Attribute("Name")!.Value, p => p.Attribute("Type")!.Value),
                t.Elements(edm + "NavigationProperty").ToDictionary(n => n.Attribute("Name")!.Value, n =>
                {
                    var target = n.Attribute("Type")!.Value;
                    var collection = target.StartsWith("Collection(", StringComparison.Ordinal);
                    target = collection ? target["Collection(".Length..^1] : target;
                    return (target[(target.LastIndexOf('.') + 1)..], collection);
                })))
            .ToDictionary(t => t.Name);
    }

    /// <summary>One to three navigations of <paramref name="type"/> the public sets reach, each with generated nested options.</summary>
    private static string Expansions(Dictionary<string, EntityType> types, EntityType type, Random random, int depth)
    {
        var navigations = type.Navigations.Where(n => n.Value.Target is "Instrument" or "ServiceOffering" or "Unit" or "Dataset").ToList();
        var chosen = Pick(navigations.Select(n => n.Key), random, 1 + random.Next(Math.Min(2, navigations.Count)));
        // Collections first, so most queries expand one.
        if (depth == 0 && navigations.FirstOrDefault(n => n.Value.Collection) is { Key: { } collection } && random.Next(3) > 0 && !chosen.Contains(collection))
        {
            chosen.Insert(0, collection);
        }
        return string.Join(',', chosen.Select(name =>
        {
            var (targetName, isCollection) = type.Navigations[name];
            var target = types[targetName];
            var nested = new List<string>();
            if (random.Next(2) == 0)
            {
                nested.Add($"$select={string.Join(',', Pick(target.Properties.Keys, random, 1 + random.Next(3)))}");
            }
            if (isCollection)
            {
                if (random.Next(2) == 0 && Filter(target, random) is { } filter)
                {
                    nested.Add($"$filter={filter}");
                }
                if (random.Next(2) == 0)
                {
                    var order = Pick(target.Properties.Where(p => p.Value is "Edm.String" or "Edm.Decimal" or "Edm.Int32" or "Edm.Date").Select(p => p.Key), random, 1)[0];
                    nested.Add($"$orderby={order}{(random.Next(2) == 0 ? " desc" : "")},id");
                }
                if (random.Next(2) == 0)
                {
                    nested.Add($"$top={1 + random.Next(3)}");
                }
            }
            if (depth == 0 && random.Next(4) == 0 && target.Navigations.Count > 0)
            {
                nested.Add($"$expand={Expansions(types, target, random, depth + 1)}");
            }
            return nested.Count == 0 ? name : $"{name}({string.Join(';', nested)})";
        }));
    }

    private static string? Filter(EntityType type, Random random)
    {
        var candidates = type.Properties.Where(p => p.Value is "Edm.Decimal" or "Edm.Int32" or "Edm.String" or "Edm.Boolean").ToList();
        if (candidates.Count == 0)
        {
            return null;
        }
        var (name, edmType) = candidates[random.Next(candidates.Count)];
        return edmType switch
        {
            "Edm.Decimal" or "Edm.Int32" => $"{name} ge {random.Next(0, 2000)}",
            "Edm.Boolean" => $"{name} eq {(random.Next(2) == 0 ? "true" : "false")}",
            _ => random.Next(2) == 0 ? $"{name} ne null" : $"contains({name},'{(char)('a' + random.Next(26))}')",
        };
    }

    private static List<string> Pick(IEnumerable<string> items, Random random, int count) =>
        items.OrderBy(_ => random.Next()).Take(count).ToList();
}

public sealed class SqliteFederatedExpandTests(SqliteNode node) : FederatedExpandTests(node), IClassFixture<SqliteNode>;

public sealed class PostgreSqlFederatedExpandTests(PostgreSqlNode node) : FederatedExpandTests(node), IClassFixture<PostgreSqlNode>;
