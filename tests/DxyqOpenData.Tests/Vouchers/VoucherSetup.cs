using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;

namespace DxyqOpenData.Tests.Vouchers;

/// <summary>
/// Two demo units with a writing client each and an instrument of their own, a voucher system's client, and helpers to
/// push voucher-paid records with the flow's evidence and to post ledgers. One per node (the tests of a class share it).
/// </summary>
public sealed class VoucherSetup
{
    /// <summary>A valid enterprise credit code (the schemas' example).</summary>
    public const string Enterprise = "91330127MA2B7K3P77";

    private static readonly Dictionary<NodeFactory, Task<VoucherSetup>> Setups = [];

    public required NodeFactory Node { get; init; }
    public required string A { get; init; }
    public required string B { get; init; }
    public required HttpClient WriterA { get; init; }
    public required HttpClient WriterB { get; init; }
    public required HttpClient Vouchers { get; init; }
    public required string VouchersClientId { get; init; }
    public required string InstrumentA { get; init; }
    public required string InstrumentB { get; init; }
    public required HttpClient Anonymous { get; init; }

    public static Task<VoucherSetup> ForAsync(NodeFactory node)
    {
        lock (Setups)
        {
            if (!Setups.TryGetValue(node, out var setup))
            {
                Setups[node] = setup = CreateAsync(node);
            }
            return setup;
        }
    }

    private static async Task<VoucherSetup> CreateAsync(NodeFactory node)
    {
        var anonymous = node.CreateClient();
        var units = await node.RowsAsync("SELECT id FROM units ORDER BY id");
        var a = units[0][0]!.ToString()!.Trim();
        var b = units[1][0]!.ToString()!.Trim();
        async Task<HttpClient> Client(string scopes, string? unit) => node.WithToken(await anonymous.TokenAsync(await node.AddClientAsync(scopes, unit)));
        var voucherClient = await node.AddClientAsync("vouchers", null, "voucher-system");
        var setup = new VoucherSetup
        {
            Node = node, A = a, B = b, Anonymous = anonymous,
            WriterA = await Client("catalog.write,records.write,records.read", a),
            WriterB = await Client("catalog.write,records.write,records.read", b),
            Vouchers = node.WithToken(await anonymous.TokenAsync(voucherClient)),
            VouchersClientId = voucherClient.ClientId,
            InstrumentA = $"VINS-A-{Guid.NewGuid():N}"[..20],
            InstrumentB = $"VINS-B-{Guid.NewGuid():N}"[..20],
        };
        foreach (var (writer, innerId) in new[] { (setup.WriterA, setup.InstrumentA), (setup.WriterB, setup.InstrumentB) })
        {
            await Ok(await PushAsync(writer, "instruments", new JsonArray(new JsonObject
            {
                ["innerId"] = innerId, ["name"] = "场发射扫描电子显微镜", ["categoryCode"] = "020301", ["instrumentType"] = "general",
                ["priceCny"] = 450000, ["fundingSource"] = "fiscal", ["acceptanceDate"] = "2026-01-05", ["status"] = "normal",
                ["shareMode"] = "open", ["regionCode"] = "330106", ["countryOfOrigin"] = "CN", ["manufacturer"] = "中科科仪",
            })));
        }
        return setup;
    }

    public static decimal Cny(long fen) => fen / 100m;

    public static string Time(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// A voucher-paid record used from <paramref name="start"/> for two hours, with the whole flow's evidence: booked a day
    /// before, paid an hour after use (fee in full, the voucher deducting part of it), rated the next day.
    /// </summary>
    public JsonObject Record(string externalId, string instrument, DateTime start, long feeFen, long voucherFen, string voucherNo) => new()
    {
        ["externalId"] = externalId, ["instrumentInnerId"] = instrument, ["startedAt"] = Time(start), ["endedAt"] = Time(start.AddHours(2)),
        ["hours"] = 2, ["userName"] = "王小明", ["userOrganization"] = "淳安某新材料有限公司", ["userCreditCode"] = Enterprise,
        ["userRegionCode"] = "330127", ["isExternal"] = true, ["feeCny"] = Cny(feeFen), ["paymentMethod"] = "voucher",
        ["voucherNo"] = voucherNo, ["voucherAmountCny"] = Cny(voucherFen), ["bookedOnPlatform"] = true, ["bookedAt"] = Time(start.AddDays(-1)),
        ["bookingRef"] = "BK-" + externalId, ["paidAt"] = Time(start.AddHours(3)), ["paidAmountCny"] = Cny(feeFen), ["paymentRef"] = "PAY-" + externalId,
        ["rating"] = 5, ["ratedAt"] = Time(start.AddDays(1)),
    };

    /// <summary>A ledger line for (unit, externalId).</summary>
    public static JsonObject Line(string lineId, string voucherNo, string unit, string externalId, long amountFen, DateTime paidAt) => new()
    {
        ["lineId"] = lineId, ["voucherNo"] = voucherNo, ["serviceRecord"] = new JsonObject { ["unitId"] = unit, ["externalId"] = externalId },
        ["enterpriseCreditCode"] = Enterprise, ["enterpriseName"] = "淳安某新材料有限公司", ["amountCny"] = Cny(amountFen),
        ["paidAt"] = Time(paidAt),
    };

    public static async Task<HttpResponseMessage> PushAsync(HttpClient client, string kind, JsonNode body)
    {
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        return await client.PostAsync($"/api/v1/push/{kind}", content);
    }

    public static async Task<JsonObject> Ok(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {expected}, got {(int)response.StatusCode}: {text[..Math.Min(text.Length, 2000)]}");
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>Posts a ledger for [from, to) in the given media type (body already in that format).</summary>
    public static async Task<HttpResponseMessage> PostLedgerAsync(HttpClient client, DateTime from, DateTime to, string body, string mediaType = "application/json",
        string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/vouchers/reconciliations?from={Uri.EscapeDataString(Time(from))}&to={Uri.EscapeDataString(Time(to))}")
        {
            Content = new StringContent(body, Encoding.UTF8, mediaType),
        };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        return await client.SendAsync(request);
    }

    /// <summary>The ledger as CSV with the node's header (an independent writer: values as the JSON has them).</summary>
    public static string Csv(IEnumerable<JsonObject> lines)
    {
        var text = new StringBuilder("lineId,voucherNo,serviceRecord.unitId,serviceRecord.externalId,enterpriseCreditCode,enterpriseName,amountCny,paidAt\r\n");
        foreach (var l in lines)
        {
            var r = l["serviceRecord"]!;
            static string S(JsonNode? n) => n?.GetValue<string>() ?? "";
            string[] cells = [S(l["lineId"]), S(l["voucherNo"]), S(r["unitId"]), S(r["externalId"]), S(l["enterpriseCreditCode"]), S(l["enterpriseName"]),
                l["amountCny"]!.ToJsonString(), S(l["paidAt"])];
            text.AppendJoin(',', cells.Select(c => c.Contains(',') || c.Contains('"') ? $"\"{c.Replace("\"", "\"\"")}\"" : c)).Append("\r\n");
        }
        return text.ToString();
    }
}
