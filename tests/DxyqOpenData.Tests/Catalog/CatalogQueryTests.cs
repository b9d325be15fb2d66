using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;
using Microsoft.OData.Edm;

namespace DxyqOpenData.Tests.Catalog;

/// <summary>
/// The OData catalog over HTTP, on the demo data at a small scale. Every figure the node answers is compared
/// with the same figure computed by plain SQL on its database. Runs once per provider (subclasses below).
/// </summary>
public abstract class CatalogQueryTests(NodeFactory node)
{
    private readonly HttpClient _client = node.CreateClient();

    private const string Published = "is_confidential = false";

    [Theory]
    [InlineData("Units")]
    [InlineData("Instruments")]
    [InlineData("ServiceOfferings")]
    [InlineData("Datasets")]
    [InlineData("Sensors")]
    [InlineData("UsageSessions")]
    public async Task Public_sets_are_readable_anonymously_with_camel_case_names(string set)
    {
        var page = await _client.GetJsonAsync($"/odata/{set}?$top=3");
        Assert.NotEmpty(page.Values());
        foreach (var (name, _) in page.Values()[0]!.AsObject().Where(p => !p.Key.StartsWith('@')))
        {
            Assert.True(char.IsLower(name[0]), $"{set}.{name} is not camelCase");
        }
    }

    [Theory]
    [InlineData("/odata/ServiceRecords")]
    [InlineData("/odata/ServiceRecords?$apply=aggregate($count as n)")]
    [InlineData("/odata/ServiceRecords(00000000-0000-0000-0000-000000000001)")]
    [InlineData("/odata/Alerts")]
    [InlineData("/odata/Alerts?$filter=kind eq 'idle6Months'")]
    [InlineData("/odata/Instruments?$expand=unit&$top=1&$select=id&$filter=id eq 00000000-0000-0000-0000-000000000001")]
    public async Task Protected_sets_are_not_served_anonymously(string url)
    {
        using var response = await _client.GetAsync(url);
        if (url.StartsWith("/odata/Instruments", StringComparison.Ordinal))
        {
            // No navigation leads from the public sets into the protected ones.
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.DoesNotContain("serviceRecords", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
            return;
        }
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString());
        Assert.DoesNotContain("userName", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Filter_with_contains_and_a_number_comparison_matches_sql()
    {
        var expected = await node.ScalarAsync<long>($"SELECT COUNT(*) FROM instruments WHERE {Published} AND price_fen >= 100000000 AND name LIKE '%显微镜%'");
        Assert.True(expected > 0, "the demo data should hold microscopes over 1,000,000 CNY");

        var (items, _, count) = await _client.GetAllPagesAsync("/odata/Instruments?$filter=priceCny ge 1000000 and contains(name,'显微镜')&$select=id,name,priceCny&$count=true");

        Assert.Equal(expected, count);
        Assert.Equal(expected, items.Count);
        Assert.All(items, i =>
        {
            Assert.Contains("显微镜", i["name"]!.GetValue<string>());
            Assert.True(i["priceCny"]!.Decimal() >= 1_000_000m);
        });
    }

    [Fact]
    public async Task Filter_with_startswith_in_and_dates_matches_sql()
    {
        var expected = await node.ScalarAsync<long>(
            $"SELECT COUNT(*) FROM instruments WHERE {Published} AND category_code LIKE '03%' AND acceptance_date >= '2022-01-01' " +
            "AND status IN ('normal','underRepair')");
        Assert.True(expected > 0);

        var page = await _client.GetJsonAsync(
            "/odata/Instruments?$filter=startswith(categoryCode,'03') and acceptanceDate ge 2022-01-01 and status in ('normal','underRepair')&$count=true&$top=0");

        Assert.Equal(expected, page["@odata.count"]!.GetValue<long>());
    }

    /// <summary>
    /// Date comparisons (bound as plain column comparisons, <c>CatalogFilterBinder</c>): every operator, the literal on
    /// either side, a nullable property (OData: <c>null ne d</c> is true, any other comparison with null false), each
    /// against the rows read by SQL and compared here.
    /// </summary>
    [Theory]
    [InlineData("acceptance_date", "acceptanceDate", "eq")]
    [InlineData("acceptance_date", "acceptanceDate", "ne")]
    [InlineData("acceptance_date", "acceptanceDate", "gt")]
    [InlineData("acceptance_date", "acceptanceDate", "ge")]
    [InlineData("acceptance_date", "acceptanceDate", "lt")]
    [InlineData("acceptance_date", "acceptanceDate", "le")]
    [InlineData("acceptance_date", "acceptanceDate", "ge", true)]
    [InlineData("import_date", "importDate", "eq")]
    [InlineData("import_date", "importDate", "ne")]
    [InlineData("import_date", "importDate", "lt")]
    [InlineData("import_date", "importDate", "ge", true)]
    public async Task Filter_comparing_dates_matches_the_rows_compared_here(string column, string property, string op, bool literalFirst = false)
    {
        var values = (await node.RowsAsync($"SELECT {column} FROM instruments WHERE {Published}")).Select(r => r[0] is null ? (DateOnly?)null : ReadDate(r[0]!)).ToList();
        var known = values.Where(v => v is not null).Select(v => v!.Value).Order().ToList();
        Assert.True(known.Count > 2, $"the demo data should have instruments with {column}");
        var pivot = known[known.Count / 2];
        Func<DateOnly, bool> holds = op switch
        {
            "eq" => d => d == pivot,
            "ne" => d => d != pivot,
            "gt" => d => d > pivot,
            "ge" => d => d >= pivot,
            "lt" => d => d < pivot,
            _ => d => d <= pivot,
        };
        var expected = values.Count(v => v is null ? op == "ne" : holds(v.Value));
        var literal = pivot.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var mirrored = op switch { "gt" => "lt", "ge" => "le", "lt" => "gt", "le" => "ge", _ => op };
        var filter = literalFirst ? $"{literal} {mirrored} {property}" : $"{property} {op} {literal}";

        var page = await _client.GetJsonAsync($"/odata/Instruments?$filter={filter}&$count=true&$top=0");

        Assert.Equal(expected, page["@odata.count"]!.GetValue<long>());
    }

    [Fact]
    public async Task Filter_comparing_a_date_compares_the_column_itself_so_an_index_can_serve_it()
    {
        using var sql = await SqlCapture.StartAsync();

        // hs_code and is_domestic mark this test's command among those of tests running alongside.
        await _client.GetJsonAsync("/odata/Instruments?$filter=acceptanceDate ge 2021-01-01 and hsCode eq null and isDomestic eq true&$count=true&$top=0");

        // The same test on the other provider's node may run at the same time: both commands then show here.
        var commands = sql.Commands.Where(c => c.Contains("count(*)", StringComparison.OrdinalIgnoreCase)
            && c.Contains("hs_code", StringComparison.Ordinal) && c.Contains("is_domestic", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(commands);
        Assert.All(commands, command =>
        {
            Assert.Matches("acceptance_date\"? >= @", command);
            Assert.DoesNotContain("strftime", command, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("date_part", command, StringComparison.OrdinalIgnoreCase);
        });
    }

    [Fact]
    public async Task Filter_comparing_two_date_properties_matches_the_rows_compared_here()
    {
        var rows = await node.RowsAsync($"SELECT purchase_date, acceptance_date FROM instruments WHERE {Published}");
        var expected = rows.Count(r => r[0] is not null && ReadDate(r[0]!) < ReadDate(r[1]!));
        Assert.True(expected > 0);

        var page = await _client.GetJsonAsync("/odata/Instruments?$filter=purchaseDate lt acceptanceDate&$count=true&$top=0");

        Assert.Equal(expected, page["@odata.count"]!.GetValue<long>());
    }

    [Fact]
    public async Task Filter_on_a_timestamp_with_an_offset_compares_instants()
    {
        var rows = await node.RowsAsync($"SELECT updated_at FROM instruments WHERE {Published} ORDER BY updated_at");
        var middle = ReadUtc(rows[rows.Count / 2][0]!);
        var expected = rows.Count(r => ReadUtc(r[0]!) >= middle);
        // The same instant written in China Standard Time.
        var literal = Uri.EscapeDataString(new DateTimeOffset(middle).ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFzzz"));

        var page = await _client.GetJsonAsync($"/odata/Instruments?$filter=updatedAt ge {literal}&$count=true&$top=0");

        Assert.Equal(expected, page["@odata.count"]!.GetValue<long>());
    }

    [Fact]
    public async Task Filter_with_any_over_a_navigation_matches_sql()
    {
        var expected = await node.ScalarAsync<long>($"SELECT COUNT(DISTINCT unit_id) FROM instruments WHERE {Published} AND price_fen >= 500000000");
        Assert.True(expected > 0);

        var page = await _client.GetJsonAsync("/odata/Units?$filter=instruments/any(i: i/priceCny ge 5000000)&$count=true&$top=0");

        Assert.Equal(expected, page["@odata.count"]!.GetValue<long>());
    }

    [Fact]
    public async Task Select_returns_only_the_selected_properties()
    {
        var page = await _client.GetJsonAsync("/odata/Instruments?$select=id,name,priceCny&$top=5");

        Assert.All(page.Values(), v => Assert.Equal(["id", "name", "priceCny"], v!.AsObject().Select(p => p.Key).Where(k => !k.StartsWith('@')).Order()));
    }

    [Fact]
    public async Task Expand_follows_instrument_to_unit_offerings_and_sensor()
    {
        var page = await _client.GetJsonAsync("/odata/Instruments?$filter=sensorId ne null&$expand=unit($select=id,name),offerings($select=id,instrumentId),sensor($select=id)&$select=id,unitId,sensorId&$top=20");

        Assert.NotEmpty(page.Values());
        foreach (var instrument in page.Values().Select(v => v!.AsObject()))
        {
            Assert.Equal(instrument["unitId"]!.GetValue<string>(), instrument["unit"]!["id"]!.GetValue<string>());
            Assert.Equal(instrument["sensorId"]!.GetValue<string>(), instrument["sensor"]!["id"]!.GetValue<string>());
            Assert.All(instrument["offerings"]!.AsArray(), o => Assert.Equal(instrument["id"]!.GetValue<string>(), o!["instrumentId"]!.GetValue<string>()));
        }
    }

    [Fact]
    public async Task Expand_follows_unit_to_its_instruments()
    {
        var page = await _client.GetJsonAsync("/odata/Units?$orderby=id&$top=3&$select=id&$expand=instruments($select=id;$top=1000)");

        foreach (var unit in page.Values().Select(v => v!.AsObject()))
        {
            var id = unit["id"]!.GetValue<string>();
            var expected = await node.ScalarAsync<long>($"SELECT COUNT(*) FROM instruments WHERE {Published} AND unit_id = '{id}'");
            Assert.Equal(expected, unit["instruments"]!.AsArray().Count);
        }
    }

    [Fact]
    public async Task Orderby_top_and_skip_match_sql()
    {
        var expected = (await node.RowsAsync($"SELECT id FROM instruments WHERE {Published} ORDER BY price_fen DESC, id LIMIT 5 OFFSET 3"))
            .Select(r => Guid.Parse(r[0]!.ToString()!)).ToList();

        var page = await _client.GetJsonAsync("/odata/Instruments?$orderby=priceCny desc&$top=5&$skip=3&$select=id,priceCny");

        Assert.Equal(expected, page.Values().Select(v => Guid.Parse(v!["id"]!.GetValue<string>())));
        var prices = page.Values().Select(v => v!["priceCny"]!.Decimal()).ToList();
        Assert.Equal(prices.OrderDescending(), prices);
    }

    [Fact]
    public async Task NextLink_paging_visits_every_row_once_and_count_equals_the_rows_paged()
    {
        var expected = await node.ScalarAsync<long>($"SELECT COUNT(*) FROM instruments WHERE {Published}");

        var (items, pages, count) = await _client.GetAllPagesAsync("/odata/Instruments?$select=id&$orderby=regionCode&$count=true");

        Assert.Equal(expected, count);
        Assert.Equal(expected, items.Count);
        Assert.Equal(items.Count, items.Select(i => i["id"]!.GetValue<string>()).Distinct().Count());
        Assert.Equal((int)Math.Ceiling(expected / 100.0), pages);
    }

    [Fact]
    public async Task Apply_groupby_with_sum_and_count_is_computed_like_sql()
    {
        var expected = (await node.RowsAsync($"SELECT category_code, COUNT(*), SUM(price_fen) FROM instruments WHERE {Published} GROUP BY category_code"))
            .ToDictionary(r => r[0]!.ToString()!.Trim(), r => (Count: Convert.ToInt64(r[1]), Total: Convert.ToInt64(r[2]) / 100m));
        Assert.True(expected.Count > 1);

        var page = await _client.GetJsonAsync("/odata/Instruments?$apply=groupby((categoryCode),aggregate(priceCny with sum as total,$count as count))");

        var actual = page.Values().ToDictionary(v => v!["categoryCode"]!.GetValue<string>(), v => (Count: v!["count"]!.GetValue<long>(), Total: v!["total"]!.Decimal()));
        Assert.Equal(expected.OrderBy(e => e.Key), actual.OrderBy(a => a.Key));
    }

    [Fact]
    public async Task Apply_filter_then_groupby_on_region_is_computed_like_sql()
    {
        var expected = (await node.RowsAsync($"SELECT region_code, COUNT(*), MAX(price_fen) FROM instruments WHERE {Published} AND is_domestic = true GROUP BY region_code"))
            .ToDictionary(r => r[0]!.ToString()!.Trim(), r => (Count: Convert.ToInt64(r[1]), Max: Convert.ToInt64(r[2]) / 100m));
        Assert.NotEmpty(expected);

        var page = await _client.GetJsonAsync("/odata/Instruments?$apply=filter(isDomestic)/groupby((regionCode),aggregate($count as n,priceCny with max as top))");

        var actual = page.Values().ToDictionary(v => v!["regionCode"]!.GetValue<string>(), v => (Count: v!["n"]!.GetValue<long>(), Max: v!["top"]!.Decimal()));
        Assert.Equal(expected.OrderBy(e => e.Key), actual.OrderBy(a => a.Key));
    }

    [Fact]
    public async Task Apply_on_service_records_sums_fees_and_hours_per_payment_method_like_sql()
    {
        var admin = node.WithToken(await _client.TokenAsync(await node.AddClientAsync("admin")));
        var expected = (await node.RowsAsync("SELECT payment_method, COUNT(*), SUM(fee_fen), SUM(hours) FROM service_records GROUP BY payment_method"))
            .ToDictionary(r => r[0]!.ToString()!, r => (Count: Convert.ToInt64(r[1]), Fee: Convert.ToInt64(r[2]) / 100m, Hours: Convert.ToDouble(r[3])));
        Assert.Contains("voucher", expected.Keys);

        var page = await admin.GetJsonAsync("/odata/ServiceRecords?$apply=groupby((paymentMethod),aggregate($count as n,feeCny with sum as fees,hours with sum as hours))");

        var actual = page.Values().ToDictionary(v => v!["paymentMethod"]!.GetValue<string>(), v => v!.AsObject());
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (method, figures) in expected)
        {
            Assert.Equal(figures.Count, actual[method]["n"]!.GetValue<long>());
            Assert.Equal(figures.Fee, actual[method]["fees"]!.Decimal());
            Assert.Equal(figures.Hours, actual[method]["hours"]!.GetValue<double>(), 6);
        }
    }

    [Fact]
    public async Task Apply_groupby_on_enumerations_answers_their_wire_names()
    {
        var expected = (await node.RowsAsync($"SELECT status, share_mode, COUNT(*) FROM instruments WHERE {Published} GROUP BY status, share_mode"))
            .ToDictionary(r => (r[0]!.ToString()!, r[1]!.ToString()!), r => Convert.ToInt64(r[2]));

        var page = await _client.GetJsonAsync("/odata/Instruments?$apply=groupby((status,shareMode),aggregate($count as n))");

        var actual = page.Values().ToDictionary(v => (v!["status"]!.GetValue<string>(), v!["shareMode"]!.GetValue<string>()), v => v!["n"]!.GetValue<long>());
        Assert.Equal(expected.OrderBy(e => e.Key), actual.OrderBy(a => a.Key));
        Assert.Contains(actual.Keys, k => k == ("normal", "open"));
    }

    [Fact]
    public async Task Apply_aggregate_over_the_whole_set_is_computed_like_sql()
    {
        var fen = await node.ScalarAsync<long>($"SELECT SUM(price_fen) FROM instruments WHERE {Published}");

        var page = await _client.GetJsonAsync("/odata/Instruments?$apply=aggregate(priceCny with sum as total)");

        Assert.Equal(fen / 100m, page.Values().Single()!["total"]!.Decimal());
    }

    [Theory]
    [InlineData("/odata/Instruments?$top=1001", "1000")]
    [InlineData("/odata/Instruments?$expand=unit($expand=instruments($expand=unit($expand=instruments)))", "depth")]
    [InlineData("/odata/Instruments?$orderby=name,model,manufacturer,priceCny,regionCode,categoryCode", "OrderBy")]
    public async Task Each_limit_answers_400_naming_the_limit(string url, string named)
    {
        var error = (await _client.GetJsonAsync(url, HttpStatusCode.BadRequest))["error"]!;

        Assert.Equal("QueryLimitExceeded", error["code"]!.GetValue<string>());
        Assert.Contains(named, error["message"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_node_count_limit_answers_400_naming_it()
    {
        var filter = string.Join(" or ", Enumerable.Range(0, 80).Select(i => $"categoryCode eq '{i:000000}'"));

        var error = (await _client.GetJsonAsync($"/odata/Instruments?$filter={filter}", HttpStatusCode.BadRequest))["error"]!;

        Assert.Contains("node count", error["message"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Server_driven_paging_uses_the_default_page_size()
    {
        var page = await _client.GetJsonAsync("/odata/Instruments?$select=id");

        Assert.Equal(100, page.Values().Count);
        Assert.NotNull(page["@odata.nextLink"]);
    }

    [Theory]
    [InlineData("$filter=foo eq 1")]
    [InlineData("$filter=name eq")]
    [InlineData("$filter=contains(name,'''")]
    [InlineData("$filter=priceCny gt 'abc'")]
    [InlineData("$filter=status eq 'bogus'")]
    [InlineData("$filter=acceptanceDate ge 2024-13-45")]
    [InlineData("$filter=substring(name) eq 'x'")]
    [InlineData("$select=nonexistent")]
    [InlineData("$expand=nowhere")]
    [InlineData("$orderby=priceCny sideways")]
    [InlineData("$top=-1")]
    [InlineData("$top=abc")]
    [InlineData("$skip=abc")]
    [InlineData("$count=maybe")]
    [InlineData("$search=显微镜")]
    [InlineData("$apply=groupby(categoryCode)")]
    [InlineData("$apply=aggregate(name with sum as s)")]
    [InlineData("$apply=frobnicate()")]
    [InlineData("$filter=contactPhone eq '13800000000'")]
    public async Task Malformed_queries_answer_400_with_an_odata_error_and_no_internals(string query)
    {
        using var response = await _client.GetAsync($"/odata/Instruments?{query}");
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{query} answered {(int)response.StatusCode}: {body}");
        var error = JsonNode.Parse(body)!["error"]!;
        Assert.False(string.IsNullOrWhiteSpace(error["message"]!.GetValue<string>()));
        Assert.DoesNotContain("stacktrace", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", body);
    }

    [Fact]
    public async Task Instruments_carry_etags_and_honour_if_none_match()
    {
        var id = (await _client.GetJsonAsync("/odata/Instruments?$top=1&$select=id")).Values()[0]!["id"]!.GetValue<string>();

        using var first = await _client.GetAsync($"/odata/Instruments({id})");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);

        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"/odata/Instruments({id})");
        conditional.Headers.IfNoneMatch.Add(etag);
        using var notModified = await _client.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        using var stale = new HttpRequestMessage(HttpMethod.Get, $"/odata/Instruments({id})");
        stale.Headers.IfNoneMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue("\"c3RhbGU=\"", isWeak: true));
        using var modified = await _client.SendAsync(stale);
        Assert.Equal(HttpStatusCode.OK, modified.StatusCode);
    }

    [Fact]
    public async Task Anonymous_readers_get_no_contact_phone_or_email()
    {
        var withContacts = await node.ScalarAsync<long>($"SELECT COUNT(*) FROM instruments WHERE {Published} AND contact_phone IS NOT NULL");
        Assert.True(withContacts > 0);

        foreach (var url in new[] { "/odata/Instruments?$select=id,contactName,contactPhone,contactEmail&$top=50", "/odata/Instruments?$top=50" })
        {
            var items = (await _client.GetJsonAsync(url)).Values().Select(v => v!.AsObject()).ToList();

            Assert.Contains(items, i => i.ContainsKey("contactName"));
            Assert.All(items, i => Assert.False(i.ContainsKey("contactPhone") || i.ContainsKey("contactEmail"), $"{url} shows a contact to an anonymous reader"));
        }
    }

    [Fact]
    public async Task Confidential_instruments_are_never_published()
    {
        var confidential = (await node.RowsAsync("SELECT id, unit_id FROM instruments WHERE is_confidential = true")).FirstOrDefault();
        Assert.NotNull(confidential);
        var id = Guid.Parse(confidential[0]!.ToString()!);
        var unit = confidential[1]!.ToString()!.Trim();

        using var direct = await _client.GetAsync($"/odata/Instruments({id})");
        Assert.Equal(HttpStatusCode.NotFound, direct.StatusCode);
        var viaUnit = await _client.GetJsonAsync($"/odata/Units('{unit}')?$expand=instruments($select=id;$top=1000)");
        Assert.DoesNotContain(viaUnit["instruments"]!.AsArray(), i => Guid.Parse(i!["id"]!.GetValue<string>()) == id);
    }

    [Fact]
    public async Task Money_is_shown_in_cny_with_two_decimals()
    {
        using var response = await _client.GetAsync("/odata/Instruments?$select=priceCny&$top=20");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Matches("\"priceCny\":\\d+\\.\\d\\d[,}]", body);
        Assert.DoesNotMatch("\"priceCny\":\\d+[,}]", body);
    }

    [Fact]
    public async Task Metadata_and_service_document_are_public()
    {
        using var metadata = await _client.GetAsync("/odata/$metadata");
        var csdl = await metadata.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, metadata.StatusCode);
        foreach (var set in new[] { "Units", "Instruments", "ServiceOfferings", "ServiceRecords", "Datasets", "Sensors", "UsageSessions", "Alerts" })
        {
            Assert.Contains($"<EntitySet Name=\"{set}\"", csdl);
        }
        Assert.DoesNotContain("secretHash", csdl);
        var service = await _client.GetJsonAsync("/odata/");
        Assert.Equal(8, service.Values().Count);
    }

    [Fact]
    public async Task Unknown_routes_are_404_problems()
    {
        using var response = await _client.GetAsync("/odata/Nowhere");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private static DateOnly ReadDate(object value) => value switch
    {
        DateOnly d => d,
        DateTime d => DateOnly.FromDateTime(d),
        string s => DateOnly.ParseExact(s, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException($"unexpected {value.GetType()}"),
    };

    private static DateTime ReadUtc(object value) => value switch
    {
        DateTime d => DateTime.SpecifyKind(d, DateTimeKind.Utc),
        DateTimeOffset o => o.UtcDateTime,
        string s => DateTime.SpecifyKind(DateTime.Parse(s, System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc),
        _ => throw new InvalidOperationException($"unexpected {value.GetType()}"),
    };

    /// <summary>
    /// <c>startswith</c>, <c>endswith</c> and <c>contains</c> compare case-sensitively and take <c>%</c>, <c>_</c> and
    /// <c>\</c> as plain characters, on every string property of every set, under a function drawn at random: a pattern
    /// cut from a stored value (prefix, suffix, middle), the same with the ASCII letters' case flipped or a LIKE wildcard
    /// put in, and a wildcard alone; each count is compared with the values read by SQL and matched here ordinally. (On SQLite,
    /// <c>startswith(englishName,'laser')</c> found the "Laser …" instruments: EF's <c>LIKE 'laser%'</c> ignored case.)
    /// </summary>
    [Fact]
    public async Task String_functions_are_case_sensitive_and_literal_on_every_string_property()
    {
        const int seed = 20261207;
        var random = new Random(seed);
        var admin = await CatalogSet.AdminAsync(node);
        var failures = new List<string>();
        var (cases, caseSensitiveCases) = (0, 0);
        foreach (var set in CatalogSet.All(node))
        {
            foreach (var property in set.Properties(t => t.IsString()))
            {
                var values = (await node.RowsAsync($"SELECT {set.Column(property)} FROM {set.Table} WHERE {set.Published}"))
                    .Select(r => r[0] as string).ToList();
                var stored = values.OfType<string>().Where(v => v.Length > 0).ToList();
                if (stored.Count == 0)
                {
                    continue;
                }
                // One function drawn at random: a wildcard alone, and a part of a stored value cut for it (a prefix for
                // startswith, a suffix for endswith, a middle part for contains), also with its case flipped or a
                // wildcard put in.
                string[] functions = ["startswith", "endswith", "contains"];
                var f = random.Next(3);
                var value = stored[random.Next(stored.Count)];
                var length = 1 + random.Next(Math.Min(value.Length, 8));
                var cut = f switch { 0 => value[..length], 1 => value[^length..], _ => value.Substring(random.Next(value.Length - length + 1), length) };
                var patterns = new List<(string Function, string Pattern)>
                {
                    (functions[f], new[] { "%", "_", "\\" }[random.Next(3)]),
                    (functions[f], cut),
                    (functions[f], random.Next(2) == 0 ? FlipAsciiCase(cut) : cut.Insert(random.Next(cut.Length + 1), random.Next(2) == 0 ? "%" : "_")),
                };
                foreach (var (function, pattern) in patterns.Distinct())
                {
                    Func<string, bool> matches = function switch
                    {
                        "startswith" => v => v.StartsWith(pattern, StringComparison.Ordinal),
                        "endswith" => v => v.EndsWith(pattern, StringComparison.Ordinal),
                        _ => v => v.Contains(pattern, StringComparison.Ordinal),
                    };
                    cases++;
                    var expected = values.Count(v => v is not null && matches(v));
                    if (pattern != FlipAsciiCase(pattern) && values.Any(v => v is not null && !matches(v) && matches(FlipAsciiCase(v))))
                    {
                        caseSensitiveCases++;
                    }
                    var filter = $"{function}({property.Name},'{pattern.Replace("'", "''")}')";
                    var url = $"/odata/{set.Name}?$filter={Uri.EscapeDataString(filter)}&$count=true&$top=0";
                    var actual = (await admin.GetJsonAsync(url))["@odata.count"]!.GetValue<long>();
                    if (actual != expected)
                    {
                        failures.Add($"{set.Name}?$filter={filter}: {actual}, expected {expected}");
                    }
                }
            }
        }
        Assert.True(failures.Count == 0, $"seed {seed}, {failures.Count} of {cases}:\n" + string.Join("\n", failures));
        Assert.True(caseSensitiveCases > 5, $"only {caseSensitiveCases} cases where ignoring case would have matched more");

        static string FlipAsciiCase(string text) =>
            string.Concat(text.Select(c => c is >= 'a' and <= 'z' ? char.ToUpperInvariant(c) : c is >= 'A' and <= 'Z' ? char.ToLowerInvariant(c) : c));
    }

    /// <summary>
    /// A name an <c>$apply</c> defines keeps its type in later steps: for each number property of each set, summed per
    /// unit (or over the set), the sum is filtered with an integer literal just below a random group's sum, in the
    /// <c>$apply</c> or in <c>$filter</c>; divided by an integer in a <c>compute</c>, which is then filtered, aggregated and
    /// ordered by. Each answer is checked against the values read by SQL and summed here (integer properties divide as
    /// integers, as OData says). (The parser typed the name as the literal: <c>filter(h gt 100)</c> truncated 100.58
    /// hours to 100, <c>compute(h div 24 as days)</c> divided integers, and a sum of amounts was compared in fen.)
    /// </summary>
    [Fact]
    public async Task Apply_results_keep_their_type_in_later_steps()
    {
        const int seed = 20261208;
        var random = new Random(seed);
        var admin = await CatalogSet.AdminAsync(node);
        var failures = new List<string>();
        var checkedProperties = 0;
        foreach (var set in CatalogSet.All(node))
        {
            var unit = set.Type.FindProperty("unitId");
            foreach (var property in set.Properties(t => t.IsDecimal() || t.IsDouble() || t.IsInt32() || t.IsInt64()))
            {
                if (property == set.Key)
                {
                    continue;
                }
                var money = property.Type.IsDecimal(); // every decimal of the catalog is an amount, stored in fen
                var integer = property.Type.IsInt32() || property.Type.IsInt64();
                var rows = await node.RowsAsync($"SELECT {(unit is null ? "'all'" : set.Column(unit))}, {set.Column(property)} FROM {set.Table} WHERE {set.Published}");
                if (!rows.Any(r => r[1] is not null and not DBNull))
                {
                    continue;
                }
                // A group whose values are all null sums to 0 (EF's SUM, as .NET's).
                var sums = rows.GroupBy(r => r[0]!.ToString()!.Trim()).ToDictionary(g => g.Key, g =>
                {
                    var present = g.Where(r => r[1] is not null and not DBNull).ToList();
                    return money ? present.Sum(r => Convert.ToInt64(r[1])) / 100m
                        : integer ? present.Sum(r => Convert.ToInt64(r[1]))
                        : (decimal)present.Sum(r => Convert.ToDouble(r[1]));
                });
                var groupBy = unit is null ? $"aggregate({property.Name} with sum as s)" : $"groupby((unitId),aggregate({property.Name} with sum as s))";
                var tolerance = integer || money ? 0m : 0.000001m;

                // Filtered with an integer just below a group's sum (a fraction above it is what a truncation loses); for
                // sums of floating values, one whose fraction keeps clear of the integers (no tie within rounding).
                var candidates = integer || money ? sums.Values.ToList() : sums.Values.Where(v => v - decimal.Floor(v) is > 0.001m and < 0.999m).ToList();
                if (candidates.Count == 0)
                {
                    continue;
                }
                var pivot = decimal.Floor(candidates[random.Next(candidates.Count)]);
                checkedProperties++;
                var (op, expected) = random.Next(2) == 0 ? ("gt", sums.Values.Count(v => v > pivot)) : ("le", sums.Values.Count(v => v <= pivot));
                if (random.Next(2) == 0)
                {
                    var inApply = $"/odata/{set.Name}?$apply={groupBy}/filter(s {op} {pivot})/aggregate($count as n)";
                    Check(inApply, (await admin.GetJsonAsync(inApply)).Values().SingleOrDefault()?["n"]?.GetValue<long>() ?? 0, expected);
                }
                else
                {
                    var inFilter = $"/odata/{set.Name}?$apply={groupBy}&$filter=s {op} {pivot}";
                    Check(inFilter, (await admin.GetAllPagesAsync(inFilter)).Items.Count, expected);
                }

                // Divided by an integer: the quotient filtered (against a group's), summed, and ordered by.
                var divisor = new[] { 3, 7, 24 }[random.Next(3)];
                decimal Quotient(decimal sum) => integer ? Math.Truncate(sum / divisor) : sum / divisor;
                var compute = $"{groupBy}/compute(s div {divisor} as q)";
                var quotients = sums.Values.Select(Quotient).ToList();
                // Halfway between two neighbouring quotients: no quotient lies within rounding of it.
                var distinct = quotients.Distinct().Order().ToList();
                var gaps = Enumerable.Range(1, Math.Max(0, distinct.Count - 1)).Where(i => distinct[i] - distinct[i - 1] > 0.001m).ToList();
                var at = gaps.Count == 0 ? -1 : gaps[random.Next(gaps.Count)];
                var threshold = at < 0 ? distinct[0] + 1 : decimal.Round((distinct[at - 1] + distinct[at]) / 2, 6);
                var filtered = $"/odata/{set.Name}?$apply={compute}/filter(q lt {threshold})/aggregate($count as n)";
                Check(filtered, (await admin.GetJsonAsync(filtered)).Values().SingleOrDefault()?["n"]?.GetValue<long>() ?? 0, quotients.Count(q => q < threshold));
                var summed = $"/odata/{set.Name}?$apply={compute}/aggregate(q with sum as t,q with max as m)";
                var totals = (await admin.GetJsonAsync(summed)).Values().Single()!;
                if (Math.Abs(totals["t"]!.GetValue<decimal>() - quotients.Sum()) > tolerance * quotients.Count + (money ? 0.0000001m * quotients.Count : 0)
                    || Math.Abs(totals["m"]!.GetValue<decimal>() - quotients.Max()) > tolerance + (money ? 0.0000001m : 0))
                {
                    failures.Add($"{summed}: {totals.ToJsonString()}, expected t {quotients.Sum()}, m {quotients.Max()}");
                }
                if (unit is not null)
                {
                    var ordered = $"/odata/{set.Name}?$apply={compute}&$orderby=q desc,unitId&$top=5";
                    var top = (await admin.GetJsonAsync(ordered)).Values().Select(v => v!["q"]!.GetValue<decimal>()).ToList();
                    var expectedTop = quotients.OrderDescending().Take(5).ToList();
                    if (top.Count != expectedTop.Count || top.Zip(expectedTop).Any(p => Math.Abs(p.First - p.Second) > tolerance + (money ? 0.0000001m : 0)))
                    {
                        failures.Add($"{ordered}: {string.Join(", ", top)}, expected {string.Join(", ", expectedTop)}");
                    }
                }
            }
        }
        Assert.True(checkedProperties >= 6, $"only {checkedProperties} number properties");
        Assert.True(failures.Count == 0, $"seed {seed}:\n" + string.Join("\n", failures));

        void Check(string url, long actual, long expected)
        {
            if (actual != expected)
            {
                failures.Add($"{url}: {actual}, expected {expected}");
            }
        }
    }

    /// <summary>
    /// The date of an instant (<c>date(onboardedAt)</c>) compares with a date property and with a date literal: every
    /// pair of an instant and a date property of a set (the ones of Instruments, and any other set's), with an operator
    /// drawn at random, and each instant property with the date of one of its stored values; counts checked against the
    /// UTC dates of the instants read by SQL. (The library bound <c>date(onboardedAt) le onboardingDueDate</c> as a
    /// DateTime against a DateOnly: 400.)
    /// </summary>
    [Fact]
    public async Task The_date_of_an_instant_compares_with_dates()
    {
        const int seed = 20261209;
        var random = new Random(seed);
        var admin = await CatalogSet.AdminAsync(node);
        var failures = new List<string>();
        var pairs = 0;
        string[] operators = ["eq", "ne", "lt", "le", "gt", "ge"];
        foreach (var set in CatalogSet.All(node))
        {
            var instants = set.Properties(t => t.IsDateTimeOffset()).ToList();
            var dates = set.Properties(t => t.IsDate()).ToList();
            foreach (var instant in instants)
            {
                var rows = await node.RowsAsync(
                    $"SELECT {string.Join(", ", dates.Prepend(instant).Select(p => set.Column(p)))} FROM {set.Table} WHERE {set.Published}");
                var utcDates = rows.Select(r => DateOf(r[0])).ToList();
                var stored = utcDates.OfType<DateOnly>().ToList();
                if (stored.Count == 0)
                {
                    continue;
                }
                var literal = stored[random.Next(stored.Count)];
                var targets = dates.Select((d, i) => (Text: d.Name, Values: rows.Select(r => DateOf(r[i + 1])).ToList()))
                    .Append((Text: literal.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Values: rows.Select(_ => (DateOnly?)literal).ToList()));
                foreach (var (text, values) in targets)
                {
                    pairs++;
                    var op = operators[random.Next(operators.Length)];
                    var expected = utcDates.Zip(values).Count(p => Holds(op, p.First, p.Second));
                    var filter = $"date({instant.Name}) {op} {text}";
                    var actual = (await admin.GetJsonAsync($"/odata/{set.Name}?$filter={Uri.EscapeDataString(filter)}&$count=true&$top=0"))["@odata.count"]!.GetValue<long>();
                    if (actual != expected)
                    {
                        failures.Add($"{set.Name}?$filter={filter}: {actual}, expected {expected}");
                    }
                }
            }
        }
        Assert.True(pairs > 20, $"only {pairs} comparisons");
        Assert.True(failures.Count == 0, $"seed {seed}:\n" + string.Join("\n", failures));

        // OData: a comparison with null is false, except ne (true when one side only is null).
        static bool Holds(string op, DateOnly? left, DateOnly? right) => left is { } l && right is { } r
            ? op switch { "eq" => l == r, "ne" => l != r, "lt" => l < r, "le" => l <= r, "gt" => l > r, _ => l >= r }
            : op switch { "eq" => left is null && right is null, "ne" => left is null != right is null, _ => false };

        // The UTC date of a stored instant (SQLite: EF's text in UTC; PostgreSQL: a UTC DateTime), or a stored date.
        static DateOnly? DateOf(object? value) => value switch
        {
            null or DBNull => null,
            DateOnly date => date,
            DateTime time => DateOnly.FromDateTime(time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : time),
            DateTimeOffset time => DateOnly.FromDateTime(time.UtcDateTime),
            string text => DateOnly.ParseExact(text[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture),
            _ => throw new InvalidOperationException($"unexpected {value.GetType()}"),
        };
    }

    /// <summary>
    /// <c>tolower</c> and <c>toupper</c> follow Unicode on every database: an instrument pushed with letters beyond A–Z
    /// (<c>ÄKTA</c>, <c>Österreich</c>, <c>Σ</c>, <c>µ</c>), then, for every string value of the set that holds such a
    /// letter, <c>tolower(p) eq …</c> and <c>toupper(p) eq …</c> with the value folded by .NET's invariant culture, and
    /// <c>contains(tolower(p), …)</c> with a folded part of it, counted against the values read by SQL and folded here.
    /// (SQLite's own lower and upper fold A–Z only: <c>tolower(model) eq 'äkta pure 25'</c> found nothing there.)
    /// </summary>
    [Fact]
    public async Task Tolower_and_toupper_fold_every_letter()
    {
        var unit = (await node.RowsAsync("SELECT id FROM units ORDER BY id")).First()[0]!.ToString()!.Trim();
        var writer = node.WithToken(await node.CreateClient().TokenAsync(await node.AddClientAsync("catalog.write", unit)));
        var innerId = $"AKTA-{Guid.NewGuid():N}"[..20];
        using var push = await writer.PostAsync("/api/v1/push/instruments", new StringContent(new JsonArray(new JsonObject
        {
            ["innerId"] = innerId, ["name"] = "蛋白纯化系统", ["englishName"] = "Protein purification system ÄKTA", ["model"] = "ÄKTA pure 25",
            ["manufacturer"] = "Cytiva Österreich", ["technicalSpecs"] = "流速 0.001–25 ml/min；ΣΔ 检测 µS/cm", ["categoryCode"] = "020301",
            ["instrumentType"] = "special", ["priceCny"] = 800000m, ["fundingSource"] = "selfRaised", ["acceptanceDate"] = "2025-11-03",
            ["status"] = "normal", ["shareMode"] = "open", ["regionCode"] = "330106", ["countryOfOrigin"] = "SE",
        }).ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        Assert.True(push.IsSuccessStatusCode, await push.Content.ReadAsStringAsync());

        var admin = await CatalogSet.AdminAsync(node);
        var failures = new List<string>();
        var cases = 0;
        foreach (var set in CatalogSet.All(node))
        {
            foreach (var property in set.Properties(t => t.IsString()))
            {
                var values = (await node.RowsAsync($"SELECT {set.Column(property)} FROM {set.Table} WHERE {set.Published}"))
                    .Select(r => r[0] as string).OfType<string>().ToList();
                foreach (var value in values.Where(v => v.Any(c => c > '\u007f' && char.ToLowerInvariant(c) != char.ToUpperInvariant(c))).Distinct().Take(3))
                {
                    var (lower, upper) = (value.ToLowerInvariant(), value.ToUpperInvariant());
                    var part = lower.Substring(Math.Max(0, lower.IndexOf(lower.First(c => c > '\u007f' && char.IsLetter(c) && char.ToUpperInvariant(c) != c)) - 1), 2);
                    foreach (var (filter, expected) in new[]
                    {
                        ($"tolower({property.Name}) eq '{lower.Replace("'", "''")}'", values.Count(v => v.ToLowerInvariant() == lower)),
                        ($"toupper({property.Name}) eq '{upper.Replace("'", "''")}'", values.Count(v => v.ToUpperInvariant() == upper)),
                        ($"contains(tolower({property.Name}),'{part.Replace("'", "''")}')", values.Count(v => v.ToLowerInvariant().Contains(part, StringComparison.Ordinal))),
                    })
                    {
                        cases++;
                        var actual = (await admin.GetJsonAsync($"/odata/{set.Name}?$filter={Uri.EscapeDataString(filter)}&$count=true&$top=0"))["@odata.count"]!.GetValue<long>();
                        if (actual != expected)
                        {
                            failures.Add($"{set.Name}?$filter={filter}: {actual}, expected {expected}");
                        }
                    }
                }
            }
        }
        Assert.True(cases >= 12, $"only {cases} cases");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}

public sealed class SqliteCatalogQueryTests(SqliteNode node) : CatalogQueryTests(node), IClassFixture<SqliteNode>;

public sealed class PostgreSqlCatalogQueryTests(PostgreSqlNode node) : CatalogQueryTests(node), IClassFixture<PostgreSqlNode>;
