using System.Text.Json;
using System.Text.Json.Nodes;
using DxyqOpenData.Tests.Infrastructure;
using Microsoft.OData.Edm;

namespace DxyqOpenData.Tests.Catalog;

/// <summary>
/// Server-driven paging visits every row exactly once, for orderings generated at random (seeded) over every set: its own
/// properties of every type, several keys, <c>desc</c>, properties through a to-one navigation, functions and arithmetic,
/// with and without <c>$filter</c>, <c>$select</c> and a to-one <c>$expand</c>. The rows paged through every next link are
/// compared with an independent read: the same query read by the client in <c>$top</c>/<c>$skip</c> windows (an offset in
/// the database, no skip token), the count the database makes, and without a filter the set's ids read by SQL.
/// </summary>
public abstract class PagingTests(NodeFactory node)
{
    private const int Seed = 31;
    private const int OrderingsPerSet = 3;
    private const int Window = 100;

    [Fact]
    public async Task Every_generated_ordering_pages_through_every_row_exactly_once()
    {
        var admin = await CatalogSet.AdminAsync(node);
        var random = new Random(Seed);
        var failures = new List<string>();
        var cases = 0;
        var urls = new List<string>();
        foreach (var set in CatalogSet.All(node))
        {
            var sqlIds = (await node.RowsAsync($"SELECT {set.Column(set.Key)} FROM {set.Table} WHERE {set.Published}"))
                .Select(r => Id(r[0]!.ToString()!)).Order(StringComparer.Ordinal).ToList();
            for (var i = 0; i < OrderingsPerSet; i++)
            {
                var query = await QueryAsync(set, random, admin, sqlIds.Count);
                cases++;
                var url = $"/odata/{set.Name}?{query.Text}";
                urls.Add(url);
                var (items, _, count) = await admin.GetAllPagesAsync(url + "&$count=true");
                var paged = items.Select(v => Id(v[set.Key.Name]!.ToString())).ToList();
                var windows = await WindowsAsync(admin, url, set.Key.Name);
                var problems = new List<string>();
                if (paged.Count != paged.Distinct().Count())
                {
                    problems.Add($"{paged.Count - paged.Distinct().Count()} rows repeated");
                }
                if (paged.Count != count)
                {
                    problems.Add($"{paged.Count} rows paged, @odata.count {count}");
                }
                if (!paged.SequenceEqual(windows))
                {
                    problems.Add($"differs from the {windows.Count} rows read in $top/$skip windows");
                }
                if (!query.Filtered && !paged.Order(StringComparer.Ordinal).SequenceEqual(sqlIds))
                {
                    problems.Add($"{paged.Count} rows paged, {sqlIds.Count} in the table");
                }
                if (problems.Count > 0)
                {
                    failures.Add($"{url}: {string.Join("; ", problems)}");
                }
            }
        }
        Assert.True(cases >= 8 * OrderingsPerSet, $"only {cases} cases");
        // The generated cases cover each kind of ordering and option (else the seed or the generator needs a look).
        var orderings = urls.Select(u => u.Split("$orderby=")[1].Split('&')[0]).ToList();
        Assert.All(new[] { "/", "(", " desc", "," }, kind => Assert.True(orderings.Any(o => o.Contains(kind, StringComparison.Ordinal)), $"no generated $orderby with '{kind}'"));
        Assert.Contains(orderings, o => o.Contains(" mul ", StringComparison.Ordinal) || o.Contains(" sub ", StringComparison.Ordinal) || o.Contains(" mod ", StringComparison.Ordinal));
        Assert.All(new[] { "$filter=", "$expand=" }, option => Assert.Contains(urls, u => u.Contains(option, StringComparison.Ordinal)));
        Assert.True(failures.Count == 0, $"seed {Seed}:\n" + string.Join("\n", failures));
    }

    private static string Id(string value) => value.Trim().ToUpperInvariant();

    /// <summary>The same query, read by the client in windows of <see cref="Window"/> rows.</summary>
    private static async Task<List<string>> WindowsAsync(HttpClient client, string url, string key)
    {
        var ids = new List<string>();
        for (var skip = 0; ; skip += Window)
        {
            var rows = (await client.GetJsonAsync($"{url}&$top={Window}&$skip={skip}")).Values();
            ids.AddRange(rows.Select(v => Id(v![key]!.ToString())));
            if (rows.Count < Window)
            {
                return ids;
            }
            Assert.True(skip < 1_000_000, "windows do not end");
        }
    }

    private sealed record Query(string Text, bool Filtered);

    /// <summary>A random $orderby of one to three keys, with a $filter, $select and $expand at random.</summary>
    private static async Task<Query> QueryAsync(CatalogSet set, Random random, HttpClient client, int rows)
    {
        // An expression once only (the library refuses a property ordered twice).
        var keys = Enumerable.Range(0, random.Next(1, 4)).Select(_ => OrderKey(set.Type, random)).Distinct()
            .Select(k => k + (random.Next(2) == 0 ? " desc" : "")).ToList();
        var options = new List<string> { "$orderby=" + string.Join(",", keys) };
        var own = set.Type.StructuralProperties().ToList();
        options.Add("$select=" + string.Join(",", own.OrderBy(_ => random.Next()).Take(random.Next(0, 3)).Select(p => p.Name).Append(set.Key.Name).Distinct()));
        var toOne = ToOne(set.Type).ToList();
        if (toOne.Count > 0 && random.Next(2) == 0)
        {
            var navigation = toOne[random.Next(toOne.Count)];
            options.Add($"$expand={navigation.Name}($select={navigation.ToEntityType().Key().Single().Name})");
        }
        var filtered = false;
        if (random.Next(2) == 0 && await FilterAsync(set, random, client, rows) is { } filter)
        {
            options.Add("$filter=" + filter);
            filtered = true;
        }
        return new Query(string.Join("&", options), filtered);
    }

    private static IEnumerable<IEdmNavigationProperty> ToOne(IEdmEntityType type) =>
        type.NavigationProperties().Where(n => n.TargetMultiplicity() != EdmMultiplicity.Many);

    /// <summary>A property of the row (any type), one through a to-one navigation (one or two steps), or a function of one.</summary>
    private static string OrderKey(IEdmEntityType type, Random random)
    {
        var prefix = "";
        var choice = random.Next(3);
        var toOne = ToOne(type).ToList();
        if (choice == 1 && toOne.Count > 0)
        {
            var navigation = toOne[random.Next(toOne.Count)];
            prefix = navigation.Name + "/";
            type = navigation.ToEntityType();
            var further = ToOne(type).ToList();
            if (further.Count > 0 && random.Next(3) == 0)
            {
                var next = further[random.Next(further.Count)];
                prefix += next.Name + "/";
                type = next.ToEntityType();
            }
        }
        var properties = type.StructuralProperties().ToList();
        var property = properties[random.Next(properties.Count)];
        var path = prefix + property.Name;
        if (choice != 2)
        {
            return path;
        }
        var kind = property.Type.IsPrimitive() ? property.Type.AsPrimitive().PrimitiveKind() : EdmPrimitiveTypeKind.None;
        return kind switch
        {
            EdmPrimitiveTypeKind.String => random.Next(2) == 0 ? $"length({path})" : $"tolower({path})",
            EdmPrimitiveTypeKind.Int32 or EdmPrimitiveTypeKind.Int64 => $"{path} mod 7",
            EdmPrimitiveTypeKind.Decimal or EdmPrimitiveTypeKind.Double => random.Next(2) == 0 ? $"{path} mul 2" : $"{path} sub 1000",
            EdmPrimitiveTypeKind.Date or EdmPrimitiveTypeKind.DateTimeOffset => $"year({path})",
            _ => path,
        };
    }

    /// <summary>
    /// <c>property ge value</c> (or <c>le</c>) with the value of a row read at random, for a property of a type with an
    /// order (number, string, date, instant); null when the row has no value there.
    /// </summary>
    private static async Task<string?> FilterAsync(CatalogSet set, Random random, HttpClient client, int rows)
    {
        var candidates = set.Type.StructuralProperties().Where(p => p.Type.IsPrimitive() && p.Type.AsPrimitive().PrimitiveKind() is
            EdmPrimitiveTypeKind.String or EdmPrimitiveTypeKind.Int32 or EdmPrimitiveTypeKind.Int64 or EdmPrimitiveTypeKind.Decimal
            or EdmPrimitiveTypeKind.Double or EdmPrimitiveTypeKind.Date or EdmPrimitiveTypeKind.DateTimeOffset).ToList();
        var property = candidates[random.Next(candidates.Count)];
        var row = (await client.GetJsonAsync($"/odata/{set.Name}?$orderby={set.Key.Name}&$top=1&$skip={random.Next(Math.Max(1, rows))}&$select={property.Name}")).Values().SingleOrDefault();
        if (row?[property.Name] is not { } value)
        {
            return null;
        }
        var literal = value.GetValueKind() switch
        {
            JsonValueKind.Number => value.ToJsonString(),
            _ when property.Type.IsString() => $"'{Uri.EscapeDataString(value.GetValue<string>().Replace("'", "''"))}'",
            _ => Uri.EscapeDataString(value.GetValue<string>()),
        };
        return $"{property.Name} {(random.Next(2) == 0 ? "ge" : "le")} {literal}";
    }
}

public sealed class SqlitePagingTests(SqliteNode node) : PagingTests(node), IClassFixture<SqliteNode>;

public sealed class PostgreSqlPagingTests(PostgreSqlNode node) : PagingTests(node), IClassFixture<PostgreSqlNode>;
