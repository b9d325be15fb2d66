using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Types;
using WireMock.Util;

namespace DxyqOpenData.Tests.Federation;

/// <summary>
/// Peers played by one WireMock.Net server, each under its own path prefix (<c>/{code}/connect/token</c>,
/// <c>/{code}/odata/{set}</c>): healthy ones serve fixed rows honouring $orderby/$skip/$top/$count/$select,
/// faulty ones are slow, hang, fail, lie about their shape or refuse us.
/// </summary>
public sealed class FakePeers : IDisposable
{
    public WireMockServer Server { get; } = WireMockServer.Start();

    public string BaseUrl(string code) => $"{Server.Url}/{code}/";

    public void Token(string code, TimeSpan? delay = null, int status = 200)
    {
        Server.Given(Request.Create().WithPath($"/{code}/connect/token").UsingPost())
            .RespondWith(Response.Create().WithCallback(async _ =>
            {
                if (delay is { } d)
                {
                    await Task.Delay(d);
                }
                return status == 200
                    ? Json(200, $$"""{"access_token":"token-{{code}}","token_type":"Bearer","expires_in":900}""")
                    : Json(status, """{"error":"invalid_client"}""");
            }));
    }

    /// <summary>A healthy peer: the rows, served in order, paged (at most 100 per answer) as a real node does.</summary>
    public void Healthy(string code, IReadOnlyList<JsonObject> rows, string set = "Instruments")
    {
        Token(code);
        Server.Given(Request.Create().WithPath($"/{code}/odata/{set}").UsingGet().WithHeader("Authorization", $"Bearer token-{code}"))
            .RespondWith(Response.Create().WithCallback(request => Json(200, Serve(rows, request.Url))));
    }

    /// <summary>A peer whose change feed of <paramref name="set"/> answers <paramref name="body"/> (one page, whatever the cursor).</summary>
    public void Feed(string code, string set, string body, int status = 200) => Feed(code, set, () => body, status);

    /// <summary>A peer's change feed whose page is whatever <paramref name="body"/> gives at the time it is asked.</summary>
    public void Feed(string code, string set, Func<string> body, int status = 200)
    {
        Server.Given(Request.Create().WithPath($"/{code}/federation/changes/{set}").UsingGet().WithHeader("Authorization", $"Bearer token-{code}"))
            .RespondWith(Response.Create().WithCallback(_ => Json(status, body())));
    }

    /// <summary>A peer whose OData answer is <paramref name="body"/> with <paramref name="status"/>, after <paramref name="delay"/>.</summary>
    public void Faulty(string code, int status, string body, TimeSpan? delay = null, string set = "Instruments")
    {
        Token(code);
        Server.Given(Request.Create().WithPath($"/{code}/odata/{set}").UsingGet())
            .RespondWith(Response.Create().WithCallback(async _ =>
            {
                if (delay is { } d)
                {
                    await Task.Delay(d);
                }
                return Json(status, body);
            }));
    }

    public static string Serve(IReadOnlyList<JsonObject> rows, string url)
    {
        var query = QueryHelpers.ParseQuery(new Uri(url).Query);
        var orders = (query.TryGetValue("$orderby", out var o) ? o.ToString() : "id").Split(',')
            .Select(c => c.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(p => (Property: p[0], Descending: p.Length > 1 && p[1] == "desc")).ToList();
        var sorted = rows.ToList();
        sorted.Sort((a, b) =>
        {
            foreach (var (property, descending) in orders)
            {
                var c = FederationTests.CompareValues(a[property], b[property]);
                if (c != 0)
                {
                    return descending ? -c : c;
                }
            }
            return FederationTests.CompareValues(a["id"], b["id"]);
        });
        var skip = query.TryGetValue("$skip", out var s) ? int.Parse(s!, CultureInfo.InvariantCulture) : 0;
        var top = query.TryGetValue("$top", out var t) ? int.Parse(t!, CultureInfo.InvariantCulture) : 100;
        var page = sorted.Skip(skip).Take(Math.Min(top, 100)).ToList();
        var select = query.TryGetValue("$select", out var sel) ? sel.ToString().Split(',') : null;
        var result = new JsonObject();
        if (query.TryGetValue("$count", out var count) && count == "true")
        {
            result["@odata.count"] = rows.Count;
        }
        result["value"] = new JsonArray(page.Select(r =>
        {
            var item = new JsonObject();
            foreach (var (k, v) in r)
            {
                if (select is null || select.Contains(k))
                {
                    item[k] = v?.DeepClone();
                }
            }
            return (JsonNode)item;
        }).ToArray());
        if (top > 100 && skip + 100 < rows.Count)
        {
            result["@odata.nextLink"] = "http://elsewhere.invalid/odata/next";
        }
        return result.ToJsonString();
    }

    private static ResponseMessage Json(int status, string body) => new()
    {
        StatusCode = status,
        BodyData = new BodyData { BodyAsString = body, DetectedBodyType = BodyType.String, Encoding = Encoding.UTF8 },
        Headers = new Dictionary<string, WireMockList<string>> { ["Content-Type"] = new("application/json") },
    };

    public void Dispose() => Server.Stop();
}
