using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OData.Edm;

namespace DxyqOpenData.Tests.Catalog;

/// <summary>
/// The lean page writer (api/Catalog/LeanPages.cs) against the library's writer: two nodes on the same database, one
/// with <c>OData:LeanPages</c> on (the default), one with it off, asked the same queries over every entity set. Status,
/// content type, OData-Version and the payload must be the same: the same properties in the same order, the same
/// annotations (context, count, etags, next links), the same numbers, dates and enum names, the same rows. Next links
/// are followed on both. The lean node must have served the queries it is meant to serve itself, so the comparison
/// cannot pass by the lean path silently never running.
/// </summary>
public abstract class CatalogLeanPagesTests(NodeFactory lean, NodeFactory library)
{
    private static readonly IEdmModel Model = CatalogEdmModel.Get();

    private static readonly string[] PublicSets = ["Units", "Instruments", "ServiceOfferings", "Datasets", "Sensors", "UsageSessions"];
    private static readonly string[] ProtectedSets = ["ServiceRecords", "Alerts"];

    /// <summary>Queries the lean path must answer itself (the benchmark's two among them).</summary>
    public static TheoryData<string> LeanQueries => new()
    {
        "/odata/Instruments?$filter=priceCny ge 1000000 and contains(name,'显微镜')&$orderby=priceCny desc&$top=50&$count=true",
        "/odata/Instruments?$filter=categoryCode eq '030301'&$expand=unit&$orderby=priceCny desc&$top=50",
        "/odata/Instruments",
        "/odata/Instruments?$select=id,name,priceCny&$expand=unit($select=name),sensor&$top=120&$count=true",
        "/odata/Instruments?$select=*&$orderby=updatedAt desc&$top=150",
        "/odata/Instruments?$select=id&$orderby=regionCode&$count=true",
        "/odata/Units?$orderby=name desc&$count=true",
        "/odata/UsageSessions?$orderby=startedAt desc&$top=120&$expand=instrument($select=id,name)",
        "/odata/Sensors?$filter=status eq 'active'&$orderby=lastSeenAt desc&$top=150",
        "/odata/ServiceOfferings?$expand=instrument($select=id,name,priceCny)&$top=150&$count=true",
        "/odata/Datasets?$filter=doi eq null&$orderby=byteSize desc,issued",
        "/odata/ServiceOfferings?$orderby=feeCny desc&$skip=3&$top=200",
    };

    [Theory]
    [MemberData(nameof(LeanQueries))]
    public async Task The_lean_path_serves_plain_pages_exactly_as_the_library_writes_them(string url)
    {
        var switchOf = lean.Services.GetRequiredService<LeanPagesSwitch>();
        var before = switchOf.Served;

        await AssertSameAsync(lean.CreateClient(), library.CreateClient(), url, followNextLinks: false);

        Assert.True(switchOf.Served > before, $"{url} was not answered by the lean path");
        Assert.False(library.Services.GetRequiredService<LeanPagesSwitch>().Enabled);
    }

    [Fact]
    public async Task Every_public_set_answers_the_same_anonymously_over_a_broad_corpus()
    {
        var ours = lean.CreateClient();
        var theirs = library.CreateClient();
        var switchOf = lean.Services.GetRequiredService<LeanPagesSwitch>();
        var before = switchOf.Served;
        var urls = PublicSets.SelectMany(Corpus).ToList();

        foreach (var url in urls)
        {
            await AssertSameAsync(ours, theirs, url, followNextLinks: true);
        }

        // Most of the corpus is plain pages; the rest ($apply, nested and collection expansions, other formats) is the
        // library's and is compared all the same.
        Assert.True(switchOf.Served - before >= urls.Count / 2, $"the lean path served only {switchOf.Served - before} of {urls.Count} queries");
    }

    [Fact]
    public async Task Authenticated_readers_get_the_same_pages_with_contacts_and_protected_sets()
    {
        var client = await lean.AddClientAsync("admin");
        var token = await lean.CreateClient().TokenAsync(client);
        var ours = lean.WithToken(token);
        var theirs = library.WithToken(token);

        foreach (var url in new[]
        {
            "/odata/Instruments?$select=id,contactName,contactPhone,contactEmail&$top=50",
            "/odata/Instruments?$top=20&$expand=unit",
            "/odata/Instruments?$filter=contactPhone ne null&$orderby=contactEmail&$top=120&$count=true",
        }.Concat(ProtectedSets.SelectMany(Corpus)))
        {
            await AssertSameAsync(ours, theirs, url, followNextLinks: true);
        }
    }

    [Theory]
    [InlineData("application/json;odata.metadata=full")]
    [InlineData("application/json;odata.metadata=none")]
    [InlineData("application/json;IEEE754Compatible=true")]
    [InlineData("application/json")]
    [InlineData("*/*")]
    public async Task Other_formats_are_answered_as_the_library_answers_them(string accept)
    {
        foreach (var url in new[] { "/odata/Instruments?$top=3&$expand=unit&$count=true", "/odata/Units?$top=120" })
        {
            var ours = lean.CreateClient();
            var theirs = library.CreateClient();
            ours.DefaultRequestHeaders.Add("Accept", accept);
            theirs.DefaultRequestHeaders.Add("Accept", accept);
            await AssertSameAsync(ours, theirs, url, followNextLinks: false);
        }
    }

    /// <summary>Bad queries are refused the same way on both (the lean path only runs after the library's validation).</summary>
    [Theory]
    [InlineData("/odata/Instruments?$filter=foo eq 1")]
    [InlineData("/odata/Instruments?$top=1001")]
    [InlineData("/odata/Instruments?$filter=contactPhone eq '1'")]
    [InlineData("/odata/Instruments?$select=contactPhone")]
    [InlineData("/odata/Instruments?$skiptoken=nonsense")]
    [InlineData("/odata/Instruments?$orderby=priceCny sideways")]
    public async Task Refusals_and_restrictions_are_the_same(string url)
    {
        await AssertSameAsync(lean.CreateClient(), library.CreateClient(), url, followNextLinks: false);
    }

    /// <summary>
    /// For one entity set: all of it, top, skip, count, each property selected and sorted on (both directions, so
    /// nulls, enums, dates, instants, decimals and doubles end up in skip tokens), every to-one expansion with and without
    /// a nested $select, a filter on an expanded property, and what the lean path leaves to the library.
    /// </summary>
    private static IEnumerable<string> Corpus(string set)
    {
        var type = Model.EntityContainer.FindEntitySet(set).EntityType;
        var properties = type.StructuralProperties().Select(p => p.Name).Where(p => !RestrictedProperties.Names.Contains(p)).ToList();
        var toOne = type.NavigationProperties().Where(n => !n.Type.IsCollection()).Select(n => n.Name).ToList();
        var toMany = type.NavigationProperties().Where(n => n.Type.IsCollection()).Select(n => n.Name).ToList();
        var root = $"/odata/{set}";

        yield return root;
        yield return $"{root}?$top=3";
        yield return $"{root}?$top=0&$count=true";
        yield return $"{root}?$count=true&$top=150";
        yield return $"{root}?$skip=2&$top=3";
        yield return $"{root}?$skip=100000&$count=true";
        yield return $"{root}?$select=*&$top=2";
        yield return $"{root}?$select={string.Join(',', properties.AsEnumerable().Reverse().Take(4))}&$top=5";
        yield return $"{root}?$select={properties[0]},{properties[0]}&$top=2";
        foreach (var property in properties)
        {
            yield return $"{root}?$orderby={property} desc&$top=101&$select={property}";
            yield return $"{root}?$orderby={property}&$skip=1&$top=102&$count=true";
        }
        foreach (var navigation in toOne)
        {
            yield return $"{root}?$expand={navigation}&$top=5";
            yield return $"{root}?$expand={navigation}($select=id)&$select={properties[^1]},id&$top=120";
        }
        if (toOne.Count > 1)
        {
            yield return $"{root}?$expand={string.Join(',', toOne.AsEnumerable().Reverse())}&$select=id&$top=5";
        }
        if (set == "Instruments")
        {
            yield return $"{root}?$filter=unit/type eq 'university'&$expand=unit($select=type,name)&$select=id,name&$top=120";
            yield return $"{root}?$orderby=unit/name,priceCny desc&$select=id&$top=120";
            yield return $"{root}?$filter=latitude ne null and isDomestic&$orderby=latitude desc&$select=latitude,longitude&$top=120";
            yield return $"{root}?$filter=updatedAt ge 2024-01-01T08:00:00%2B08:00&$count=true&$top=3";
            yield return $"{root}?$filter=status in ('normal','idle') and acceptanceDate ge 2022-01-01&$orderby=onboardedAt desc&$top=120";
            yield return $"{root}?$expand=unit($expand=instruments($select=id))&$top=2";
            yield return $"{root}?$apply=groupby((categoryCode),aggregate(priceCny with sum as total))";
        }
        foreach (var navigation in toMany)
        {
            yield return $"{root}?$expand={navigation}($select=id)&$top=3";
        }
        yield return $"{root}?$expand=*&$top=2";
    }

    private static async Task AssertSameAsync(HttpClient ours, HttpClient theirs, string url, bool followNextLinks)
    {
        for (var page = 0; url is not null && page < 3; page++)
        {
            using var a = await ours.GetAsync(url);
            using var b = await theirs.GetAsync(url);
            var bodyA = await a.Content.ReadAsStringAsync();
            var bodyB = await b.Content.ReadAsStringAsync();
            Assert.True(a.StatusCode == b.StatusCode, $"{url}: {(int)a.StatusCode} vs the library's {(int)b.StatusCode}: {bodyA}");
            Assert.Equal(b.Content.Headers.ContentType?.ToString(), a.Content.Headers.ContentType?.ToString());
            Assert.Equal(Header(b, "OData-Version"), Header(a, "OData-Version"));
            if (b.StatusCode != HttpStatusCode.OK)
            {
                // Errors carry the request's trace id; the code and message must agree.
                Assert.Equal(ErrorOf(bodyB), ErrorOf(bodyA));
                return;
            }
            var expected = Canonical(bodyB);
            var actual = Canonical(bodyA);
            Assert.True(expected == actual, $"{url}\nlean:    {Around(actual, expected)}\nlibrary: {Around(expected, actual)}");
            url = followNextLinks && JsonNode.Parse(bodyB)!["@odata.nextLink"]?.GetValue<string>() is { } next
                ? new Uri(next).PathAndQuery
                : null!;
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    private static string ErrorOf(string body) =>
        JsonNode.Parse(body) is JsonObject { } o && o["error"] is JsonObject error
            ? $"{error["code"]}: {error["message"]}"
            : body;

    /// <summary>The payload re-written with one escaping rule: property order and number text stay as they came.</summary>
    private static string Canonical(string body) =>
        JsonNode.Parse(body)!.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    private static string Around(string text, string other)
    {
        var i = 0;
        while (i < text.Length && i < other.Length && text[i] == other[i])
        {
            i++;
        }
        return text.Substring(Math.Max(0, i - 200), Math.Min(text.Length - Math.Max(0, i - 200), 400));
    }
}

/// <summary>The lean node (default settings) and, on its database, a node with the lean path off.</summary>
public abstract class LeanPagesNodes : IDisposable
{
    protected LeanPagesNodes(DatabaseProvider provider)
    {
        Lean = new NodeFactory(provider);
        _ = Lean.Services; // migrations and demo data
        Library = new NodeFactory(provider, new Dictionary<string, string?> { ["OData:LeanPages"] = "false", ["Demo:Enabled"] = "false" }, Lean.ConnectionString);
        _ = Library.Services;
    }

    public NodeFactory Lean { get; }
    public NodeFactory Library { get; }

    public void Dispose()
    {
        Library.Dispose();
        Lean.Dispose();
        GC.SuppressFinalize(this);
    }
}

public sealed class SqliteLeanPagesNodes() : LeanPagesNodes(DatabaseProvider.Sqlite);

public sealed class PostgreSqlLeanPagesNodes() : LeanPagesNodes(DatabaseProvider.PostgreSql);

public sealed class SqliteCatalogLeanPagesTests(SqliteLeanPagesNodes nodes) : CatalogLeanPagesTests(nodes.Lean, nodes.Library), IClassFixture<SqliteLeanPagesNodes>;

public sealed class PostgreSqlCatalogLeanPagesTests(PostgreSqlLeanPagesNodes nodes) : CatalogLeanPagesTests(nodes.Lean, nodes.Library), IClassFixture<PostgreSqlLeanPagesNodes>;
