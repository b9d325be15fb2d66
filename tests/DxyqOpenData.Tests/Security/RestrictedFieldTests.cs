using System.Net;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Tests.Infrastructure;
using Microsoft.OData.Edm;

namespace DxyqOpenData.Tests.Security;

/// <summary>
/// Restricted fields (RestrictedProperties, docs/security.md) at every depth: for every restricted property, every
/// public set with a navigation path to its type (the EDM's, up to two navigations) and every query shape that reads a
/// value ($filter with comparisons, functions, in, any/all, $count with a filter, parameter aliases; $orderby;
/// $compute; $apply; the same nested in $expand, two levels deep; the navigation routes), an anonymous reader is
/// refused (400 naming the property) and a signed-in reader is answered (200: the shape is a valid query that reads
/// the field, so the refusal is not a parse error). The value compared is a real contact of the demo data.
/// </summary>
public abstract class RestrictedFieldTests(NodeFactory node)
{
    private static readonly IEdmModel Model = CatalogEdmModel.Get();

    private sealed record Shape(string Set, string Url, string Property, string[] Targets);

    [Fact]
    public async Task No_query_option_at_any_depth_reads_a_restricted_field_anonymously()
    {
        var anonymous = node.CreateClient();
        var client = await node.AddClientAsync("federation");
        var signedIn = node.WithToken(await node.CreateClient().TokenAsync(client));
        var publicSets = new List<IEdmEntitySet>();
        foreach (var set in Model.EntityContainer.EntitySets())
        {
            using var probe = await anonymous.GetAsync($"/odata/{set.Name}?$top=0");
            if (probe.StatusCode == HttpStatusCode.OK)
            {
                publicSets.Add(set);
            }
        }
        Assert.Contains(publicSets, s => s.Name == "Units");

        var shapes = new List<Shape>();
        foreach (var set in publicSets)
        {
            var key = await FirstKeyAsync(anonymous, set);
            foreach (var path in Paths(set.EntityType, depth: 2))
            {
                var type = path.Length == 0 ? set.EntityType : path[^1].ToEntityType();
                if (!RestrictedProperties.ByType.TryGetValue(type.Name, out var names))
                {
                    continue;
                }
                foreach (var property in names.Order(StringComparer.Ordinal))
                {
                    var value = await RealValueAsync(property);
                    shapes.AddRange(ShapesFor(set, key, path, property, value));
                }
            }
        }
        // Every restricted property of every type is reached from at least one public set, directly or nested.
        foreach (var (type, names) in RestrictedProperties.ByType)
        {
            Assert.All(names, n => Assert.Contains(shapes, s => s.Property == n && s.Url.Contains("$expand", StringComparison.Ordinal)));
            Assert.All(names, n => Assert.Contains(shapes, s => s.Property == n && s.Url.Contains("/any(", StringComparison.Ordinal)));
        }
        Assert.True(shapes.Count > 100, $"only {shapes.Count} shapes generated");

        foreach (var shape in shapes)
        {
            using (var allowed = await signedIn.GetAsync(shape.Url))
            {
                Assert.True(allowed.StatusCode == HttpStatusCode.OK, $"signed in: {shape.Url} answered {(int)allowed.StatusCode}: {await allowed.Content.ReadAsStringAsync()}");
            }
            using var refused = await anonymous.GetAsync(shape.Url);
            var body = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, $"anonymous: {shape.Url} answered {(int)refused.StatusCode}: {body}");
            var error = JsonNode.Parse(body)!["error"]!;
            Assert.Contains($"'{shape.Property}'", error["message"]!.GetValue<string>());
            Assert.Contains(error["target"]!.GetValue<string>(), shape.Targets);
        }
    }

    [Fact]
    public async Task Naming_a_restricted_field_without_reading_it_is_answered_and_selects_leave_it_out()
    {
        var anonymous = node.CreateClient();
        var signedIn = node.WithToken(await node.CreateClient().TokenAsync(await node.AddClientAsync("federation")));
        var paths = new List<(IEdmEntitySet Set, IEdmNavigationProperty[] Path)>();
        foreach (var set in Model.EntityContainer.EntitySets())
        {
            using var probe = await anonymous.GetAsync($"/odata/{set.Name}?$top=0");
            if (probe.StatusCode == HttpStatusCode.OK)
            {
                paths.AddRange(Paths(set.EntityType, depth: 2)
                    .Where(p => p.Length > 0 && RestrictedProperties.ByType.ContainsKey(p[^1].ToEntityType().Name)).Select(p => (set, p)));
            }
        }
        Assert.Contains(paths, p => p.Path.Length == 2);
        foreach (var property in RestrictedProperties.Names)
        {
            // A string literal is a value, not a read.
            await anonymous.GetJsonAsync($"/odata/Instruments?$filter=name eq '{property}'&$top=1");
            // $select of a restricted field at every depth: answered, the field absent everywhere (and there for a signed-in reader).
            foreach (var (set, path) in paths)
            {
                string? inner = null;
                for (var i = path.Length - 1; i >= 0; i--)
                {
                    inner = $"{path[i].Name}({(inner is null ? $"$select=id,{property}" : $"$expand={inner}")})";
                }
                var url = $"/odata/{set.Name}?$top=5&$select={set.EntityType.Key().Single().Name}&$expand={inner}";
                Assert.DoesNotContain($"\"{property}\"", (await anonymous.GetJsonAsync(url)).ToJsonString(), StringComparison.Ordinal);
                Assert.Contains($"\"{property}\"", (await signedIn.GetJsonAsync(url)).ToJsonString(), StringComparison.Ordinal);
            }
        }
    }

    /// <summary>Navigation paths from a type, up to <paramref name="depth"/> navigations, never through a protected-only set.</summary>
    private static IEnumerable<IEdmNavigationProperty[]> Paths(IEdmEntityType from, int depth)
    {
        yield return [];
        if (depth == 0)
        {
            yield break;
        }
        foreach (var navigation in from.NavigationProperties())
        {
            foreach (var rest in Paths(navigation.ToEntityType(), depth - 1))
            {
                yield return [navigation, .. rest];
            }
        }
    }

    /// <summary>Every shape reading <paramref name="property"/> at the end of <paramref name="path"/> from <paramref name="set"/>.</summary>
    private static IEnumerable<Shape> ShapesFor(IEdmEntitySet set, string key, IEdmNavigationProperty[] path, string property, string value)
    {
        static string Quote(string text) => Uri.EscapeDataString($"'{text.Replace("'", "''", StringComparison.Ordinal)}'");
        var literal = Quote(value);
        var prefix = Quote(value[..Math.Min(3, value.Length)]);
        var root = $"/odata/{set.Name}";
        var filters = new (string Option, Func<string, string> Condition)[]
        {
            ("eq", a => $"{a} eq {literal}"),
            ("startswith", a => $"startswith({a},{prefix})"),
            ("in", a => $"{a} in ({literal},'0')"),
            ("length", a => $"length({a}) gt 3"),
            ("concat", a => $"contains(concat({a},'x'),'x')"),
        };
        Shape Make(string url, params string[] targets) => new(set.Name, url, property, targets);

        foreach (var (_, condition) in filters)
        {
            yield return Make($"{root}?$filter={Expression(path, property, condition, "any")}&$top=1", "$filter");
            yield return Make($"{root}?$apply=filter({Expression(path, property, condition, "any")})&$top=1", "$apply");
        }
        if (path.Any(n => n.Type.IsCollection()))
        {
            yield return Make($"{root}?$filter={Expression(path, property, a => $"{a} ne {literal}", "all")}&$top=1", "$filter");
        }
        yield return Make($"{root}?$filter={Expression(path, property, a => $"{a} eq @v", "any")}&@v={literal}&$top=1", "$filter");
        if (path.Length == 0)
        {
            yield return Make($"{root}?$filter=@p eq {literal}&@p={property}&$top=1", "$filter");
        }
        if (path.All(n => !n.Type.IsCollection()))
        {
            var access = string.Concat(path.Select(n => $"{n.Name}/")) + property;
            yield return Make($"{root}?$orderby={access}&$top=1", "$orderby");
            yield return Make($"{root}?$orderby=length({access}) desc&$top=1", "$orderby");
            yield return Make($"{root}?$compute=concat({access},'x') as c&$select=c&$top=1", "$compute");
            yield return Make($"{root}?$apply=groupby(({access}))&$top=1", "$apply");
            yield return Make($"{root}?$apply=aggregate({access} with countdistinct as n)", "$apply");
        }
        if (path is [var first, .. var rest] && first.Type.IsCollection() && rest.Length == 0)
        {
            yield return Make($"{root}?$filter={first.Name}/$count($filter={property} eq {literal}) gt 0&$top=1", "$filter");
        }
        if (path.Length == 0)
        {
            yield break;
        }
        // The same reads nested in $expand, at the navigation where they start and one level deeper.
        var head = path[0];
        var tail = path[1..];
        var nestedFilter = Expression(tail, property, a => $"{a} eq {literal}", "any");
        if (head.Type.IsCollection())
        {
            yield return Make($"{root}?$top=2&$expand={head.Name}($filter={nestedFilter};$count=true)", "$expand");
            yield return Make($"{root}?$top=2&$expand={head.Name}($count=true;$filter={nestedFilter};$select=id)", "$expand");
            if (tail.All(n => !n.Type.IsCollection()))
            {
                var access = string.Concat(tail.Select(n => $"{n.Name}/")) + property;
                yield return Make($"{root}?$top=2&$expand={head.Name}($orderby={access};$top=2)", "$expand");
                yield return Make($"{root}?$top=2&$expand={head.Name}($compute=concat({access},'x') as c;$select=c)", "$expand");
            }
            // The navigation route the nested next link names takes the same options, as top-level ones.
            yield return Make($"{root}({key})/{head.Name}?$filter={nestedFilter}", "$filter");
        }
        if (tail is [var second, ..])
        {
            var deeper = Expression(tail[1..], property, a => $"{a} eq {literal}", "any");
            if (second.Type.IsCollection())
            {
                yield return Make($"{root}?$top=2&$expand={head.Name}($expand={second.Name}($filter={deeper}))", "$expand");
            }
        }
        yield return Make($"{root}?$top=2&$expand={head.Name}($select=id)&$filter={Expression(path, property, a => $"{a} eq {literal}", "any")}", "$filter");
    }

    /// <summary>A boolean expression applying <paramref name="condition"/> to the property at the end of the path (lambdas over collections).</summary>
    private static string Expression(IEdmNavigationProperty[] path, string property, Func<string, string> condition, string lambda, string prefix = "", int variable = 0)
    {
        if (path.Length == 0)
        {
            return condition(prefix + property);
        }
        var navigation = path[0];
        if (!navigation.Type.IsCollection())
        {
            return Expression(path[1..], property, condition, lambda, $"{prefix}{navigation.Name}/", variable);
        }
        var name = $"x{variable}";
        return $"{prefix}{navigation.Name}/{lambda}({name}:{Expression(path[1..], property, condition, lambda, $"{name}/", variable + 1)})";
    }

    private static async Task<string> FirstKeyAsync(HttpClient client, IEdmEntitySet set)
    {
        var key = set.EntityType.Key().Single();
        var page = await client.GetJsonAsync($"/odata/{set.Name}?$top=1&$select={key.Name}");
        var value = page.Values()[0]![key.Name]!.GetValue<string>();
        return key.Type.IsString() ? $"'{value}'" : value;
    }

    private async Task<string> RealValueAsync(string property)
    {
        var column = string.Concat(property.Select(c => char.IsUpper(c) ? $"_{char.ToLowerInvariant(c)}" : c.ToString()));
        var rows = await node.RowsAsync($"SELECT {column} FROM instruments WHERE {column} IS NOT NULL AND is_confidential = false ORDER BY id");
        Assert.NotEmpty(rows);
        return (string)rows[rows.Count / 2][0]!;
    }
}

public sealed class SqliteRestrictedFieldTests(SqliteNode node) : RestrictedFieldTests(node), IClassFixture<SqliteNode>;

public sealed class PostgreSqlRestrictedFieldTests(PostgreSqlNode node) : RestrictedFieldTests(node), IClassFixture<PostgreSqlNode>;
