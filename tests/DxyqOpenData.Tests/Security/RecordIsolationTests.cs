using System.Net;
using DxyqOpenData.Api.Alerts;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.ServiceRecords;
using DxyqOpenData.Tests.Infrastructure;
using Microsoft.OData.Edm;

namespace DxyqOpenData.Tests.Security;

/// <summary>
/// Who reads which service records and alerts, with real tokens over HTTP. What each caller should see is counted
/// in SQL on the node's database.
/// </summary>
public abstract class RecordIsolationTests(NodeFactory node)
{
    private readonly HttpClient _http = node.CreateClient();

    /// <summary>Two units that both have service records and alerts.</summary>
    private async Task<(string A, string B)> UnitsAsync()
    {
        var rows = await node.RowsAsync(
            "SELECT unit_id FROM alerts WHERE unit_id IN (SELECT unit_id FROM service_records) GROUP BY unit_id ORDER BY COUNT(*) DESC, unit_id");
        Assert.True(rows.Count >= 2, "the demo data should give two units with records and alerts");
        return (rows[0][0]!.ToString()!.Trim(), rows[1][0]!.ToString()!.Trim());
    }

    private async Task<HttpClient> ClientAsync(string scopes, string? unit = null) =>
        node.WithToken(await _http.TokenAsync(await node.AddClientAsync(scopes, unit)));

    [Fact]
    public async Task A_units_client_reads_exactly_its_own_records_and_alerts()
    {
        var (a, _) = await UnitsAsync();
        var client = await ClientAsync("records.read", a);

        var groups = (await client.GetJsonAsync("/odata/ServiceRecords?$apply=groupby((unitId),aggregate($count as n))")).Values();
        var group = Assert.Single(groups)!;
        Assert.Equal(a, group["unitId"]!.GetValue<string>());
        Assert.Equal(await node.ScalarAsync<long>($"SELECT COUNT(*) FROM service_records WHERE unit_id = '{a}'"), group["n"]!.GetValue<long>());

        var (alerts, _, count) = await client.GetAllPagesAsync("/odata/Alerts?$select=id,unitId&$count=true");
        Assert.Equal(await node.ScalarAsync<long>($"SELECT COUNT(*) FROM alerts WHERE unit_id = '{a}'"), count);
        Assert.Equal(count, alerts.Count);
        Assert.All(alerts, x => Assert.Equal(a, x["unitId"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Another_units_rows_are_not_found_by_key_and_not_matched_by_filter()
    {
        var (a, b) = await UnitsAsync();
        var client = await ClientAsync("records.read", a);
        var admin = await ClientAsync("admin");
        var record = Guid.Parse((await node.RowsAsync($"SELECT id FROM service_records WHERE unit_id = '{b}'"))[0][0]!.ToString()!);
        var alert = Guid.Parse((await node.RowsAsync($"SELECT id FROM alerts WHERE unit_id = '{b}'"))[0][0]!.ToString()!);

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/odata/ServiceRecords({record})")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/odata/Alerts({alert})")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/odata/ServiceRecords({record})")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/odata/Alerts({alert})")).StatusCode);

        foreach (var url in new[]
        {
            $"/odata/ServiceRecords?$filter=unitId eq '{b}'&$count=true",
            $"/odata/ServiceRecords?$filter=id eq {record}&$count=true",
            $"/odata/ServiceRecords?$filter=unitId ne '{a}'&$count=true",
            $"/odata/Alerts?$filter=unitId eq '{b}'&$count=true",
        })
        {
            var page = await client.GetJsonAsync(url);
            Assert.Empty(page.Values());
            Assert.Equal(0, page["@odata.count"]!.GetValue<long>());
        }
    }

    [Fact]
    public async Task An_administrator_reads_every_units_records_and_alerts()
    {
        var admin = await ClientAsync("admin");

        var records = await admin.GetJsonAsync("/odata/ServiceRecords?$top=0&$count=true");
        var alerts = await admin.GetJsonAsync("/odata/Alerts?$top=0&$count=true");

        Assert.Equal(await node.ScalarAsync<long>("SELECT COUNT(*) FROM service_records"), records["@odata.count"]!.GetValue<long>());
        Assert.Equal(await node.ScalarAsync<long>("SELECT COUNT(*) FROM alerts"), alerts["@odata.count"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_voucher_system_reads_voucher_paid_records_only()
    {
        var vouchers = await ClientAsync("vouchers");

        var groups = (await vouchers.GetJsonAsync("/odata/ServiceRecords?$apply=groupby((paymentMethod),aggregate($count as n))")).Values();

        var group = Assert.Single(groups)!;
        Assert.Equal("voucher", group["paymentMethod"]!.GetValue<string>());
        var expected = await node.ScalarAsync<long>("SELECT COUNT(*) FROM service_records WHERE payment_method = 'voucher'");
        Assert.True(expected > 0);
        Assert.Equal(expected, group["n"]!.GetValue<long>());
        Assert.Equal(expected, (await vouchers.GetJsonAsync("/odata/ServiceRecords?$top=0&$count=true"))["@odata.count"]!.GetValue<long>());
        Assert.Empty((await vouchers.GetJsonAsync("/odata/ServiceRecords?$filter=paymentMethod ne 'voucher'&$top=5")).Values());
    }

    [Fact]
    public async Task No_navigation_leads_from_the_public_sets_into_records_or_alerts()
    {
        var model = CatalogEdmModel.Get();
        var protectedTypes = new[] { typeof(ServiceRecord).Name, typeof(Alert).Name };
        foreach (var type in model.SchemaElements.OfType<IEdmEntityType>().Where(t => !protectedTypes.Contains(t.Name)))
        {
            Assert.DoesNotContain(type.NavigationProperties(), p => protectedTypes.Contains(p.ToEntityType().Name));
        }

        var (a, _) = await UnitsAsync();
        var client = await ClientAsync("records.read", a);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/odata/Instruments?$expand=serviceRecords&$top=1")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/odata/Units?$expand=instruments($expand=serviceRecords)&$top=1")).StatusCode);
        // From a record, the expansion reaches its (public) instrument only.
        var expanded = await client.GetJsonAsync("/odata/ServiceRecords?$expand=instrument($select=id,unitId)&$select=id,unitId&$top=5");
        Assert.All(expanded.Values(), r => Assert.Equal(a, r!["unitId"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Authenticated_readers_see_instrument_contacts_and_anonymous_ones_do_not()
    {
        const string url = "/odata/Instruments?$select=id,contactPhone,contactEmail&$filter=contactPhone ne null&$top=3";
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync(url)).StatusCode);
        var anonymous = await _http.GetJsonAsync("/odata/Instruments?$select=id,contactPhone,contactEmail&$top=3");
        Assert.All(anonymous.Values(), i => Assert.False(i!.AsObject().ContainsKey("contactPhone")));

        var peer = await ClientAsync("federation");
        var page = await peer.GetJsonAsync(url);
        Assert.NotEmpty(page.Values());
        Assert.All(page.Values(), i => Assert.False(string.IsNullOrEmpty(i!["contactPhone"]?.GetValue<string>())));
    }
}

public sealed class SqliteRecordIsolationTests(SqliteNode node) : RecordIsolationTests(node), IClassFixture<SqliteNode>;

public sealed class PostgreSqlRecordIsolationTests(PostgreSqlNode node) : RecordIsolationTests(node), IClassFixture<PostgreSqlNode>;
