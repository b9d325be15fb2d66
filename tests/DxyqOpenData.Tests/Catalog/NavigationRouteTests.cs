using System.Collections;
using System.Net;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.OData.Edm;
using Microsoft.OData.Edm;
using Microsoft.OData.ModelBuilder;

namespace DxyqOpenData.Tests.Catalog;

/// <summary>
/// Navigation routes (<c>Set(key)/navigation</c>) and the next links of nested collections that name them, for every
/// navigation property of every entity set in the EDM, compared with the related entities EF loads for the same
/// parent (a second read that does not go through OData); and the OData error bodies of 401, 403 and 404.
/// </summary>
public abstract class NavigationRouteTests(NodeFactory node)
{
    private static readonly IEdmModel Model = CatalogEdmModel.Get();

    private static IEnumerable<(IEdmEntitySet Set, IEdmNavigationProperty Navigation)> Navigations() =>
        Model.EntityContainer.EntitySets().SelectMany(s => s.EntityType.NavigationProperties().Select(n => (s, n)));

    [Fact]
    public async Task Every_navigation_route_and_nested_next_link_answers_the_related_entities()
    {
        var http = node.WithToken(await node.CreateClient().TokenAsync(await node.AddClientAsync("admin")));
        await GiveAUnitMoreThanAPageAsync(http);
        var paged = 0;
        foreach (var (set, navigation) in Navigations())
        {
            var keyName = set.EntityType.Key().Single().Name;
            // The parent with the most related entities (so collections page), and two more.
            var keys = new List<string>();
            if (navigation.Type.IsCollection())
            {
                keys.Add(KeyOf(set, (await http.GetJsonAsync($"/odata/{set.Name}?$orderby={navigation.Name}/$count desc&$top=1&$select={keyName}")).Values()[0]![keyName]!));
            }
            keys.AddRange((await http.GetJsonAsync($"/odata/{set.Name}?$orderby={keyName}&$top=2&$select={keyName}")).Values().Select(v => KeyOf(set, v![keyName]!)));
            Assert.NotEmpty(keys);
            foreach (var key in keys)
            {
                var expected = await RelatedIdsAsync(set, navigation, key);
                var route = $"/odata/{set.Name}({key})/{navigation.Name}";
                if (!navigation.Type.IsCollection())
                {
                    using var response = await http.GetAsync($"{route}?$select=id");
                    if (expected.Count == 0)
                    {
                        // No target (204), or one that is not published, e.g. a record's confidential instrument (404).
                        Assert.True(navigation.Type.IsNullable, $"{route}: a required navigation without a target");
                        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.NoContent, HttpStatusCode.NotFound });
                        continue;
                    }
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    Assert.Equal(expected.Single(), JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!.ToString());
                    continue;
                }
                var (items, pages, count) = await http.GetAllPagesAsync($"{route}?$select=id&$count=true");
                Assert.Equal(expected.Count, count);
                Assert.Equal(expected.Order(), items.Select(i => i["id"]!.ToString()).Order());
                paged += pages > 1 ? 1 : 0;

                // The same collection expanded: the nested next link names the route, which goes on where the page stopped.
                var parent = (await http.GetJsonAsync($"/odata/{set.Name}?$filter={keyName} eq {key}&$select={keyName}&$expand={navigation.Name}($select=id;$count=true)")).Values().Single()!;
                var nested = parent[navigation.Name]!.AsArray().Select(i => i!["id"]!.ToString()).ToList();
                Assert.Equal(expected.Count, parent[$"{navigation.Name}@odata.count"]!.GetValue<long>());
                if (parent[$"{navigation.Name}@odata.nextLink"]?.GetValue<string>() is { } next)
                {
                    Assert.Equal(CatalogQueryAttribute.DefaultPageSize, nested.Count);
                    var (rest, _, _) = await http.GetAllPagesAsync(next);
                    nested.AddRange(rest.Select(i => i["id"]!.ToString()));
                }
                Assert.Equal(expected.Order(), nested.Order());
            }
        }
        Assert.True(paged > 0, "no navigation collection was long enough to page: the demo data should give one unit over 100 instruments");
    }

    /// <summary>
    /// The demo data at test scale may have no unit with more than a page of instruments: its system pushes the rest
    /// (copies of the schema's example under new asset numbers), so a navigation collection pages.
    /// </summary>
    private async Task GiveAUnitMoreThanAPageAsync(HttpClient admin)
    {
        var unit = (await admin.GetJsonAsync("/odata/Units?$orderby=instruments/$count desc&$top=1&$select=id")).Values()[0]!;
        var unitId = unit["id"]!.GetValue<string>();
        var missing = CatalogQueryAttribute.DefaultPageSize + 30 - await node.ScalarAsync<long>($"SELECT COUNT(*) FROM instruments WHERE unit_id = '{unitId}' AND is_confidential = false");
        if (missing <= 0)
        {
            return;
        }
        using var schema = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(RepoRoot.File("schemas/instrument/v1.json")));
        var example = JsonNode.Parse(schema.RootElement.GetProperty("examples")[0].GetRawText())!.AsObject();
        var writer = node.WithToken(await node.CreateClient().TokenAsync(await node.AddClientAsync("catalog.write", unitId)));
        var batch = new JsonArray();
        for (var i = 0; i < missing; i++)
        {
            var item = example.DeepClone().AsObject();
            item["unitId"] = unitId;
            item["innerId"] = $"PAGE-{i:D4}";
            item.Remove("isConfidential");
            batch.Add(item);
        }
        using var push = await writer.PostAsync("/api/v1/push/instruments", new StringContent(batch.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        Assert.True(push.IsSuccessStatusCode, await push.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Errors_on_odata_routes_have_odata_error_bodies()
    {
        var anonymous = node.CreateClient();
        var withoutScope = node.WithToken(await node.CreateClient().TokenAsync(await node.AddClientAsync("federation")));
        var admin = node.WithToken(await node.CreateClient().TokenAsync(await node.AddClientAsync("admin")));
        foreach (var set in Model.EntityContainer.EntitySets())
        {
            var missing = set.EntityType.Key().Single().Type.IsString() ? "'NO-SUCH'" : Guid.Empty.ToString();
            var urls = new List<string> { $"/odata/{set.Name}({missing})" };
            urls.AddRange(set.EntityType.NavigationProperties().Select(n => $"/odata/{set.Name}({missing})/{n.Name}"));
            using var probe = await anonymous.GetAsync($"/odata/{set.Name}?$top=0");
            foreach (var url in urls)
            {
                await AssertErrorAsync(admin, url, HttpStatusCode.NotFound);
                if (probe.StatusCode == HttpStatusCode.OK)
                {
                    await AssertErrorAsync(anonymous, url, HttpStatusCode.NotFound);
                    continue;
                }
                // A protected set: without a token 401, with a token that lacks the scope 403, both with a body.
                Assert.Equal(HttpStatusCode.Unauthorized, probe.StatusCode);
                var unauthorized = await AssertErrorAsync(anonymous, url, HttpStatusCode.Unauthorized);
                Assert.Contains("Bearer", unauthorized.Headers.WwwAuthenticate.ToString());
                await AssertErrorAsync(withoutScope, url, HttpStatusCode.Forbidden);
                await AssertErrorAsync(anonymous, $"/odata/{set.Name}", HttpStatusCode.Unauthorized);
                await AssertErrorAsync(withoutScope, $"/odata/{set.Name}", HttpStatusCode.Forbidden);
            }
        }
    }

    [Fact]
    public async Task Expanding_a_count_is_refused_at_every_depth()
    {
        var anonymous = node.CreateClient();
        foreach (var (set, navigation) in Navigations().Where(n => n.Navigation.Type.IsCollection()))
        {
            foreach (var url in new[]
            {
                $"/odata/{set.Name}?$expand={navigation.Name}/$count",
                $"/odata/{set.Name}?$expand={navigation.Name}/$count($filter=id ne null)",
            })
            {
                await AssertRefusedAsync(anonymous, set, url);
            }
            // One level deeper, under every navigation that leads to this set's type.
            foreach (var (outer, via) in Navigations().Where(n => n.Navigation.ToEntityType() == set.EntityType))
            {
                await AssertRefusedAsync(anonymous, outer, $"/odata/{outer.Name}?$top=1&$expand={via.Name}($expand={navigation.Name}/$count)");
            }
        }
    }

    private async Task AssertRefusedAsync(HttpClient client, IEdmEntitySet set, string url)
    {
        using var probe = await client.GetAsync($"/odata/{set.Name}?$top=0");
        var expected = probe.StatusCode == HttpStatusCode.OK ? HttpStatusCode.BadRequest : HttpStatusCode.Unauthorized;
        using var response = await client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{url} answered {(int)response.StatusCode}: {body}");
        if (expected == HttpStatusCode.BadRequest)
        {
            Assert.Equal("$expand", JsonNode.Parse(body)!["error"]!["target"]!.GetValue<string>());
            Assert.Contains("/$count", JsonNode.Parse(body)!["error"]!["message"]!.GetValue<string>());
        }
    }

    private static async Task<HttpResponseMessage> AssertErrorAsync(HttpClient client, string url, HttpStatusCode status)
    {
        var response = await client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{url} answered {(int)response.StatusCode}, expected {(int)status}: {body}");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonNode.Parse(body)!["error"]!;
        Assert.False(string.IsNullOrWhiteSpace(error["code"]!.GetValue<string>()), url);
        Assert.False(string.IsNullOrWhiteSpace(error["message"]!.GetValue<string>()), url);
        return response;
    }

    private static string KeyOf(IEdmEntitySet set, JsonNode value) =>
        set.EntityType.Key().Single().Type.IsString() ? $"'{value.GetValue<string>()}'" : value.ToString();

    /// <summary>The ids EF loads through the CLR navigation of the parent with this key (global query filters apply).</summary>
    private async Task<List<string>> RelatedIdsAsync(IEdmEntitySet set, IEdmNavigationProperty navigation, string key)
    {
        await using var scope = node.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
        var clr = Model.GetAnnotationValue<ClrTypeAnnotation>(set.EntityType).ClrType;
        object keyValue = set.EntityType.Key().Single().Type.IsString() ? key.Trim('\'') : Guid.Parse(key);
        var parent = await db.FindAsync(clr, keyValue);
        Assert.NotNull(parent);
        var entry = db.Entry(parent).Navigation(Model.GetClrPropertyName(navigation) ?? char.ToUpperInvariant(navigation.Name[0]) + navigation.Name[1..]);
        await entry.LoadAsync();
        IEnumerable related = entry.CurrentValue switch
        {
            null => Array.Empty<object>(),
            IEnumerable many => many,
            var one => new[] { one },
        };
        return [.. related.Cast<object>().Select(r => r.GetType().GetProperty("Id")!.GetValue(r)!.ToString()!)];
    }
}

public sealed class SqliteNavigationRouteTests(SqliteNode node) : NavigationRouteTests(node), IClassFixture<SqliteNode>;

public sealed class PostgreSqlNavigationRouteTests(PostgreSqlNode node) : NavigationRouteTests(node), IClassFixture<PostgreSqlNode>;
