using System.Net;
using System.Text.Json.Nodes;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;
using Microsoft.OData.Edm;

namespace DxyqOpenData.Tests.Catalog;

/// <summary>
/// Input a fuzzing pass found the catalog answering with a 500, an empty body or a 200 cut off mid-stream: each now
/// answers a 400 (406) with the OData error body naming what is wrong, or the right answer. Paging is checked by
/// following every next link and comparing the rows with an independent read. Runs once per provider.
/// </summary>
public abstract class ODataBadInputTests(NodeFactory node)
{
    private readonly HttpClient _client = node.CreateClient();

    /// <summary>Reads a 4xx answer and checks it is the OData error body, with no internals.</summary>
    private async Task<JsonNode> ErrorAsync(string url, HttpStatusCode expected = HttpStatusCode.BadRequest, HttpClient? client = null, string? accept = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }
        using var response = await (client ?? _client).SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"GET {url} answered {(int)response.StatusCode}, expected {(int)expected}: {body}");
        var error = JsonNode.Parse(body)!["error"]!;
        Assert.False(string.IsNullOrWhiteSpace(error["code"]!.GetValue<string>()));
        Assert.False(string.IsNullOrWhiteSpace(error["message"]!.GetValue<string>()));
        Assert.DoesNotContain("   at ", body);
        Assert.DoesNotContain("Object reference", body);
        return error;
    }

    [Theory]
    [InlineData("Instruments", "$filter=priceCny gt 1e400", "1e400", "priceCny", "$filter")]
    [InlineData("Instruments", "$filter=priceCny gt -1e400", "-1e400", "priceCny", "$filter")]
    [InlineData("Instruments", "$filter=priceCny lt 1.7976931348623157E+309", "1.7976931348623157E+309", "priceCny", "$filter")]
    [InlineData("Instruments", "$filter=priceCny gt 79228162514264337593543950336", "79228162514264337593543950336", "priceCny", "$filter")]
    [InlineData("Instruments", "$filter=priceCny gt INF", "INF", "priceCny", "$filter")]
    [InlineData("Instruments", "$filter=priceCny gt -INF", "-INF", "priceCny", "$filter")]
    [InlineData("Instruments", "$filter=NaN lt priceCny", "NaN", "priceCny", "$filter")]
    [InlineData("ServiceOfferings", "$filter=feeCny ge 1e400", "1e400", "feeCny", "$filter")]
    [InlineData("UsageSessions", "$filter=instrument/priceCny gt 1e400", "1e400", "instrument/priceCny", "$filter")]
    [InlineData("Instruments", "$apply=aggregate(priceCny add 1e400 with sum as s)", "1e400", "priceCny", "$apply")]
    public async Task A_number_no_decimal_holds_answers_400_naming_the_literal_and_property(string set, string query, string literal, string property, string target)
    {
        var error = await ErrorAsync($"/odata/{set}?{Uri.EscapeDataString(query[..query.IndexOf('=')])}={Uri.EscapeDataString(query[(query.IndexOf('=') + 1)..])}");

        var message = error["message"]!.GetValue<string>();
        Assert.Contains(literal, message);
        Assert.Contains(property, message);
        Assert.Equal(target, error["target"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("Units")]
    [InlineData("Instruments")]
    [InlineData("ServiceOfferings")]
    [InlineData("Datasets")]
    [InlineData("Sensors")]
    [InlineData("UsageSessions")]
    public async Task Expand_ref_without_a_navigation_answers_400(string set)
    {
        var error = await ErrorAsync($"/odata/{set}?$expand=$ref");

        Assert.Equal("$expand", error["target"]!.GetValue<string>());
        Assert.Contains("$ref", error["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Expand_of_a_navigations_ref_still_works()
    {
        var page = await _client.GetJsonAsync("/odata/Units?$top=1&$expand=instruments/$ref");

        Assert.NotNull(page.Values()[0]!["instruments"]);
    }

    /// <summary>
    /// <c>in</c> with null items: on a property that cannot be null they match nothing (<c>in (null)</c> is false), the
    /// other items still do; on a nullable property null matches the rows without a value, as <c>eq null</c>.
    /// </summary>
    [Theory]
    [InlineData("ServiceOfferings")]
    [InlineData("UsageSessions")]
    public async Task In_with_null_on_a_property_that_cannot_be_null_matches_only_the_values(string set)
    {
        var some = (await _client.GetJsonAsync($"/odata/{set}?$top=1&$select=instrumentId")).Values()[0]!["instrumentId"]!.GetValue<string>();
        var withIt = (await _client.GetJsonAsync($"/odata/{set}?$filter=instrumentId eq {some}&$count=true&$top=0"))["@odata.count"]!.GetValue<long>();
        var all = (await _client.GetJsonAsync($"/odata/{set}?$count=true&$top=0"))["@odata.count"]!.GetValue<long>();
        Assert.True(withIt > 0);

        Assert.Equal(0, await CountAsync($"/odata/{set}?$filter=instrumentId in (null)"));
        Assert.Equal(withIt, await CountAsync($"/odata/{set}?$filter=instrumentId in (null, {some})"));
        Assert.Equal(withIt, await CountAsync($"/odata/{set}?$filter=instrumentId in ({some}, null)"));
        Assert.Equal(all, await CountAsync($"/odata/{set}?$filter=not (instrumentId in (null))"));
    }

    [Fact]
    public async Task In_with_null_on_a_service_records_instrument_answers()
    {
        var admin = node.WithToken(await _client.TokenAsync(await node.AddClientAsync("admin")));

        var page = await admin.GetJsonAsync("/odata/ServiceRecords?$filter=instrumentId in (null)&$count=true&$top=0");

        Assert.Equal(0, page["@odata.count"]!.GetValue<long>());
    }

    [Fact]
    public async Task In_with_null_on_a_nullable_property_matches_the_rows_without_a_value()
    {
        var expected = await node.ScalarAsync<long>("SELECT COUNT(*) FROM sensors WHERE instrument_id IS NULL");
        var some = (await node.RowsAsync("SELECT instrument_id FROM sensors WHERE instrument_id IS NOT NULL"))[0][0]!.ToString()!;
        var withIt = await node.ScalarAsync<long>($"SELECT COUNT(*) FROM sensors WHERE instrument_id IS NULL OR instrument_id = '{some}'");

        Assert.Equal(expected, await CountAsync("/odata/Sensors?$filter=instrumentId in (null)"));
        Assert.Equal(expected, await CountAsync("/odata/Sensors?$filter=instrumentId eq null"));
        Assert.Equal(withIt, await CountAsync($"/odata/Sensors?$filter=instrumentId in (null, {Guid.Parse(some)})"));
    }

    private async Task<long> CountAsync(string url) =>
        (await _client.GetJsonAsync($"{url}&$count=true&$top=0"))["@odata.count"]!.GetValue<long>();

    [Theory]
    [InlineData("/odata/Instruments(@p)")]
    [InlineData("/odata/Instruments/@p")]
    [InlineData("/odata/Units(@p)")]
    [InlineData("/odata/ServiceOfferings(@key)")]
    [InlineData("/odata/Sensors/@p")]
    public async Task A_parameter_alias_key_without_a_value_answers_400(string url)
    {
        var error = await ErrorAsync(url);

        Assert.Contains("@", error["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_parameter_alias_key_with_a_value_still_finds_the_entity()
    {
        var id = (await _client.GetJsonAsync("/odata/Instruments?$top=1&$select=id")).Values()[0]!["id"]!.GetValue<string>();

        var instrument = await _client.GetJsonAsync($"/odata/Instruments(@p)?@p={id}");

        Assert.Equal(id, instrument["id"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("Instruments", "$orderby=priceCny div 0", "$orderby")]
    [InlineData("Instruments", "$orderby=priceCny mod 0", "$orderby")]
    [InlineData("ServiceOfferings", "$orderby=feeCny div 0", "$orderby")]
    [InlineData("Sensors", "$orderby=heartbeatSeconds div 0", "$orderby")]
    [InlineData("Datasets", "$orderby=byteSize div 0", "$orderby")]
    [InlineData("Instruments", "$filter=priceCny div 0 gt 1", "$filter")]
    [InlineData("Units", "$compute=1 div 0 as x", "$compute")]
    [InlineData("Instruments", "$compute=1 div 0 as x", "$compute")]
    [InlineData("Datasets", "$compute=1 div 0 as x&$select=id,x", "$compute")]
    [InlineData("Instruments", "$apply=aggregate(priceCny div 0 with sum as s)", "$apply")]
    public async Task Division_by_a_literal_zero_answers_400(string set, string query, string target)
    {
        var error = await ErrorAsync($"/odata/{set}?{query}");

        Assert.Contains("division by zero", error["message"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(target, error["target"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("Instruments", "$filter=substring(name,1,-1) eq 'x'", "$filter")]
    [InlineData("Units", "$orderby=substring(name,0,-2)", "$orderby")]
    [InlineData("Datasets", "$compute=substring(title,2,-1) as t&$select=id,t", "$compute")]
    [InlineData("Instruments", "$apply=filter(substring(model,0,-5) eq 'a')/aggregate($count as n)", "$apply")]
    [InlineData("Instruments", "$filter=substring(name,-1) eq '仪'", "$filter")]
    [InlineData("Sensors", "$orderby=substring(id,-3,2)", "$orderby")]
    public async Task Substring_with_a_negative_start_or_length_answers_400(string set, string query, string target)
    {
        var error = await ErrorAsync($"/odata/{set}?{query}");

        Assert.Contains("negative start or length", error["message"]!.GetValue<string>());
        Assert.Equal(target, error["target"]!.GetValue<string>());
    }

    [Fact]
    public async Task Substring_with_a_length_still_answers()
    {
        var expected = await node.ScalarAsync<long>("SELECT COUNT(*) FROM units WHERE substr(name, 1, 2) = '浙江'");

        var page = await _client.GetJsonAsync($"/odata/Units?$filter={Uri.EscapeDataString("substring(name,0,2) eq '浙江'")}&$count=true&$top=0");

        Assert.True(expected > 0);
        Assert.Equal(expected, page["@odata.count"]!.GetValue<long>());
    }

    /// <summary>
    /// <c>has</c> on each enumeration property of every set (none is a flags enumeration), in <c>$filter</c>, an
    /// <c>$apply</c> filter and a filter nested in <c>$expand</c>: 400 naming the operator and the option, where the
    /// library's translation matched no row (<c>status has …'normal'</c> found none of the normal instruments).
    /// </summary>
    [Fact]
    public async Task Has_on_an_enumeration_that_is_not_flags_answers_400()
    {
        var admin = await CatalogSet.AdminAsync(node);
        var sets = CatalogSet.All(node);
        var checkedProperties = 0;
        foreach (var set in sets)
        {
            foreach (var property in set.Properties(t => t.IsEnum()))
            {
                var type = (IEdmEnumType)property.Type.Definition;
                Assert.False(type.IsFlags);
                var has = $"{property.Name} has {type.FullName()}'{type.Members.Last().Name}'";
                var parent = sets.Select(p => (Set: p, Navigation: p.Type.NavigationProperties().FirstOrDefault(n => n.ToEntityType() == set.Type && n.TargetMultiplicity() == EdmMultiplicity.Many)))
                    .FirstOrDefault(p => p.Navigation is not null);
                var queries = new List<(string Url, string Target)>
                {
                    ($"/odata/{set.Name}?$filter={has}", "$filter"),
                    ($"/odata/{set.Name}?$apply=filter({has})/aggregate($count as n)", "$apply"),
                };
                if (parent.Navigation is not null)
                {
                    queries.Add(($"/odata/{parent.Set.Name}?$expand={parent.Navigation.Name}($filter={has})", "$expand"));
                }
                foreach (var (url, target) in queries)
                {
                    var error = await ErrorAsync(url, client: admin);
                    Assert.Contains("'has'", error["message"]!.GetValue<string>());
                    Assert.Contains($"{property.Name} eq '{type.Members.Last().Name}'", error["message"]!.GetValue<string>());
                    Assert.Equal(target, error["target"]!.GetValue<string>());
                }
                checkedProperties++;
            }
        }
        Assert.True(checkedProperties >= 10, $"only {checkedProperties} enumeration properties");
    }

    [Theory]
    [InlineData("application/json;odata.metadata=full")]
    [InlineData("application/json;odata.metadata=full, application/json;odata.metadata=minimal;q=0.5")]
    public async Task Apply_with_full_metadata_answers_406(string accept)
    {
        var error = await ErrorAsync("/odata/Units?$apply=aggregate($count as n)", HttpStatusCode.NotAcceptable, accept: accept);

        Assert.Contains("odata.metadata=full", error["message"]!.GetValue<string>());
        Assert.Equal("$apply", error["target"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("application/json;odata.metadata=minimal")]
    [InlineData("application/json;odata.metadata=none")]
    public async Task Apply_with_other_metadata_levels_answers(string accept)
    {
        var expected = await node.ScalarAsync<long>("SELECT COUNT(*) FROM units");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/odata/Units?$apply=aggregate($count as n)");
        request.Headers.TryAddWithoutValidation("Accept", accept);

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal(expected, page.Values().Single()!["n"]!.GetValue<long>());
    }

    /// <summary>
    /// Orderings the skip token cannot take from the row (through a navigation, a function of a nullable column,
    /// arithmetic, a <c>$compute</c>): every page is whole JSON, and following the next links gives every row of the
    /// set exactly once, the same rows an independent read gives. Small pages (<c>Prefer: odata.maxpagesize</c>) so
    /// that the small demo data has many.
    /// </summary>
    [Theory]
    [InlineData("Instruments", "$orderby=unit/name desc")]
    [InlineData("Instruments", "$orderby=unit/id")]
    [InlineData("Instruments", "$orderby=sensor/id")]
    [InlineData("Instruments", "$orderby=unit/instruments/$count")]
    [InlineData("Instruments", "$orderby=unit/name desc&$expand=unit($select=name)")]
    [InlineData("Instruments", "$orderby=length(englishName)")]
    [InlineData("Instruments", "$orderby=priceCny div 3 desc")]
    [InlineData("Instruments", "$compute=priceCny mul 2 as twice&$orderby=twice")]
    [InlineData("Units", "$orderby=length(englishName)")]
    [InlineData("Units", "$orderby=length(englishName) desc&$select=id")]
    [InlineData("Units", "$compute=1 div 2 as x")]
    [InlineData("ServiceOfferings", "$orderby=instrument/name desc")]
    [InlineData("ServiceOfferings", "$orderby=instrument/unit/name")]
    [InlineData("ServiceOfferings", "$orderby=length(description)")]
    [InlineData("Datasets", "$orderby=instrument/name desc")]
    [InlineData("Datasets", "$orderby=length(description)")]
    [InlineData("UsageSessions", "$orderby=instrument/unit/name")]
    public async Task Orderings_the_skip_token_cannot_evaluate_page_through_every_row_once(string set, string query)
    {
        var expected = await IdsAsync(_client, set);

        var actual = await FollowAsync(_client, $"/odata/{set}?{query}", PageSizeFor(expected));

        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.Order(), actual.Order());
    }

    [Fact]
    public async Task Ordering_through_a_navigation_is_in_that_order_across_pages()
    {
        var rows = await FollowRowsAsync(_client, "/odata/Instruments?$orderby=unit/name desc&$expand=unit($select=name)&$select=id", 30);

        var names = rows.Select(r => r["unit"]!["name"]!.GetValue<string>()).ToList();
        for (var i = 1; i < names.Count; i++)
        {
            Assert.True(string.CompareOrdinal(names[i - 1], names[i]) >= 0, $"row {i}: {names[i - 1]} before {names[i]}");
        }
        Assert.Equal(await node.ScalarAsync<long>("SELECT COUNT(*) FROM instruments WHERE is_confidential = false"), rows.Count);
    }

    [Theory]
    [InlineData("Alerts", "$orderby=year(resolvedAt) desc")]
    [InlineData("Alerts", "$orderby=length(explanation)")]
    [InlineData("ServiceRecords", "$orderby=length(feedback)")]
    [InlineData("ServiceRecords", "$orderby=instrument/name")]
    [InlineData("ServiceRecords", "$orderby=rating div 2")]
    public async Task Protected_sets_ordered_by_what_the_skip_token_cannot_evaluate_page_through_every_row_once(string set, string query)
    {
        var admin = node.WithToken(await _client.TokenAsync(await node.AddClientAsync("admin")));
        var expected = await IdsAsync(admin, set);

        var actual = await FollowAsync(admin, $"/odata/{set}?{query}", PageSizeFor(expected));

        Assert.Equal(expected.Order(), actual.Order());
    }

    [Fact]
    public async Task Ordering_by_properties_still_pages_with_a_skip_token()
    {
        var page = await _client.GetJsonAsync("/odata/Instruments?$orderby=name&$select=id");

        Assert.Contains("$skiptoken=", page["@odata.nextLink"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_skip_link_keeps_the_skip_token_it_was_given()
    {
        var first = await _client.GetJsonAsync("/odata/Instruments?$select=id");
        var token = new Uri(first["@odata.nextLink"]!.GetValue<string>()).Query.Split('&').Single(p => p.StartsWith("$skiptoken=", StringComparison.Ordinal));
        var expected = await FollowAsync(_client, $"/odata/Instruments?$select=id&{token}", 30);

        var actual = await FollowAsync(_client, $"/odata/Instruments?$select=id&$compute=1 div 2 as x&{token}", 30);

        Assert.Equal(expected, actual);
    }

    /// <summary>The ids of a set, read in its default (key) order, following the default pages' skip tokens.</summary>
    private static async Task<List<string>> IdsAsync(HttpClient client, string set)
    {
        var (items, _, _) = await client.GetAllPagesAsync($"/odata/{set}?$select=id");
        var ids = items.Select(i => i["id"]!.GetValue<string>()).ToList();
        Assert.True(ids.Count > 4, $"the demo data should have more than 4 {set}");
        return ids;
    }

    /// <summary>Pages small enough for five or more of them (the node's page size, 100, is the most a client can ask).</summary>
    private static int PageSizeFor(IReadOnlyCollection<string> rows) => Math.Clamp(rows.Count / 5, 1, 100);

    /// <summary>Follows every next link with small pages; each page must be whole JSON.</summary>
    private static async Task<List<string>> FollowAsync(HttpClient client, string url, int pageSize) =>
        (await FollowRowsAsync(client, url, pageSize)).Select(r => r["id"]!.GetValue<string>()).ToList();

    private static async Task<List<JsonObject>> FollowRowsAsync(HttpClient client, string url, int pageSize)
    {
        var rows = new List<JsonObject>();
        string? next = url;
        var pages = 0;
        while (next is not null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, next);
            request.Headers.TryAddWithoutValidation("Prefer", $"odata.maxpagesize={pageSize}");
            using var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {next} answered {(int)response.StatusCode}: {body}");
            var page = JsonNode.Parse(body)!.AsObject();
            var values = page.Values().Select(v => v!.AsObject()).ToList();
            Assert.True(values.Count <= pageSize);
            rows.AddRange(values);
            next = page["@odata.nextLink"]?.GetValue<string>();
            Assert.True(next is null || values.Count == pageSize, $"a page of {values.Count} with a next link: {next}");
            Assert.True(++pages < 10_000, "nextLink paging does not end");
        }
        Assert.Equal(rows.Count, rows.Select(r => r["id"]!.GetValue<string>()).Distinct().Count());
        return rows;
    }
}

public sealed class SqliteODataBadInputTests(SqliteNode node) : ODataBadInputTests(node), IClassFixture<SqliteNode>;

public sealed class PostgreSqlODataBadInputTests(PostgreSqlNode node) : ODataBadInputTests(node), IClassFixture<PostgreSqlNode>;
