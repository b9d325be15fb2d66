using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DxyqOpenData.Tests.Infrastructure;

/// <summary>Small helpers for reading OData JSON responses in assertions.</summary>
public static class ODataClient
{
    public static async Task<JsonObject> GetJsonAsync(this HttpClient client, string url, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"GET {url} answered {(int)response.StatusCode}, expected {(int)expected}: {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    public static JsonArray Values(this JsonObject page) => page["value"]!.AsArray();

    /// <summary>Follows @odata.nextLink to the end and returns every item.</summary>
    public static async Task<(List<JsonObject> Items, int Pages, long? Count)> GetAllPagesAsync(this HttpClient client, string url)
    {
        var items = new List<JsonObject>();
        long? count = null;
        var pages = 0;
        string? next = url;
        while (next is not null)
        {
            var page = await client.GetJsonAsync(next);
            pages++;
            count ??= page["@odata.count"]?.GetValue<long>();
            items.AddRange(page.Values().Select(v => v!.AsObject()));
            next = page["@odata.nextLink"]?.GetValue<string>();
            Assert.True(pages < 10_000, "nextLink paging does not end");
        }
        return (items, pages, count);
    }

    public static decimal Decimal(this JsonNode node) => node.GetValueKind() == JsonValueKind.String
        ? decimal.Parse(node.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)
        : node.GetValue<decimal>();
}
