using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data.Reference;
using DxyqOpenData.Tests.Imports;
using DxyqOpenData.Tests.Infrastructure;
using Xunit.Abstractions;
using static DxyqOpenData.Tests.Vouchers.VoucherSetup;

namespace DxyqOpenData.Tests.Vouchers;

/// <summary>
/// Claims at <c>GET /api/v1/vouchers/claims</c> (paging, filters, CSV, no personal data, the seamless flag worked out from
/// what was pushed), the flow's evidence through push, import and OData, and one voucher number per record unless split.
/// </summary>
public abstract class VoucherClaimsTests(NodeFactory node, ITestOutputHelper output)
{
    private static string Code(string first17) => first17 + CreditCode.CheckCharacter(first17);

    [Fact]
    public async Task Claims_page_through_the_period_with_the_seamless_flag_worked_out_from_the_evidence_as_json_and_csv()
    {
        var s = await ForAsync(node);
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var from = new DateTime(2031, 9, 1, 0, 0, 0, DateTimeKind.Utc);
        var p = $"C{random.Next(100_000, 999_999)}";
        var otherEnterprise = Code("91330100MA2" + random.Next(100_000, 999_999));
        var expected = new Dictionary<string, (string Unit, string Enterprise, bool Seamless)>();
        var userName = "隐私" + p;
        foreach (var (writer, unit, instrument) in new[] { (s.WriterA, s.A, s.InstrumentA), (s.WriterB, s.B, s.InstrumentB) })
        {
            var batch = new JsonArray();
            for (var i = 0; i < random.Next(8, 20); i++)
            {
                var key = $"{p}-{unit[^4..]}-{i}";
                var start = from.AddHours(random.Next(0, 29 * 24));
                var voucher = random.NextInt64(1, 100_000);
                var r = s.Record(key, instrument, start, voucher + random.Next(0, 3) * 100, voucher, "V" + key);
                r["userName"] = userName;
                var enterprise = random.Next(3) == 0 ? otherEnterprise : Enterprise;
                r["userCreditCode"] = enterprise;
                var seamless = true;
                switch (random.Next(7))
                {
                    case 0: r.Remove("bookedAt"); seamless = false; break;
                    case 1: r["bookedOnPlatform"] = false; seamless = false; break;
                    case 2: r.Remove("paymentRef"); seamless = false; break;
                    case 3: r.Remove("ratedAt"); seamless = false; break;
                    case 4: r["paidAt"] = Time(start.AddHours(1)); seamless = false; break; // before the end of use
                }
                if (random.Next(5) == 0)
                {
                    r["paymentMethod"] = "cash"; // not a claim
                    r.Remove("voucherNo");
                    r.Remove("voucherAmountCny");
                }
                else
                {
                    expected[key] = (unit, enterprise, seamless);
                }
                batch.Add(r);
            }
            await Ok(await PushAsync(writer, "service-records", batch));
        }
        // A record just outside the period is no claim.
        await Ok(await PushAsync(s.WriterA, "service-records", new JsonArray(s.Record(p + "-late", s.InstrumentA, from.AddMonths(1), 100, 100, "V" + p + "-late"))));

        var query = $"/api/v1/vouchers/claims?from=2031-09-01T00:00:00Z&to=2031-10-01T00:00:00Z";
        var pageSize = random.Next(2, 7);
        var claims = new List<JsonObject>();
        var pages = 0;
        for (var url = $"{query}&pageSize={pageSize}"; url is not null; pages++)
        {
            var response = await s.Vouchers.GetAsync(url);
            var text = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.DoesNotContain(userName, text);
            var page = JsonNode.Parse(text)!.AsObject();
            claims.AddRange(page["value"]!.AsArray().Select(c => c!.AsObject()));
            url = page["nextLink"]?.GetValue<string>();
            Assert.Equal(url is not null, response.Headers.Contains("Link"));
        }
        Assert.Equal((expected.Count + pageSize - 1) / pageSize, pages);
        Assert.Equal(expected.Keys.Order(), claims.Select(c => c["externalId"]!.GetValue<string>()).Order());
        Assert.Equal(claims.Count, claims.Select(c => c["recordId"]!.GetValue<string>()).Distinct().Count());
        var starts = claims.Select(c => c["startedAt"]!.GetValue<DateTime>()).ToList();
        Assert.Equal(starts.Order(), starts);
        foreach (var claim in claims)
        {
            var (unit, enterprise, seamless) = expected[claim["externalId"]!.GetValue<string>()];
            Assert.Equal(unit, claim["unitId"]!.GetValue<string>());
            Assert.Equal(enterprise, claim["enterpriseCreditCode"]!.GetValue<string>());
            Assert.True(seamless == claim["seamless"]!.GetValue<bool>(), $"{claim["externalId"]}: seamless");
            Assert.Equal(seamless, claim["missingSteps"]!.AsArray().Count + claim["inconsistencies"]!.AsArray().Count == 0);
            Assert.False(claim.ContainsKey("userName"));
        }
        Assert.Equal(expected.Count, await node.ScalarAsync<long>($"SELECT COUNT(*) FROM service_records WHERE external_id LIKE '{p}-%' AND payment_method = 'voucher' AND external_id <> '{p}-late'"));

        // Filters narrow the same claims.
        var ofB = (await s.Vouchers.GetJsonAsync($"{query}&unitId={s.B}"))["value"]!.AsArray();
        Assert.Equal(expected.Where(e => e.Value.Unit == s.B).Select(e => e.Key).Order(), ofB.Select(c => c!["externalId"]!.GetValue<string>()).Order());
        var ofOther = (await s.Vouchers.GetJsonAsync($"{query}&enterpriseCreditCode={otherEnterprise}"))["value"]!.AsArray();
        Assert.Equal(expected.Where(e => e.Value.Enterprise == otherEnterprise).Select(e => e.Key).Order(), ofOther.Select(c => c!["externalId"]!.GetValue<string>()).Order());

        // CSV: the same claims, cell by cell.
        var csv = await s.Vouchers.GetAsync($"{query}&format=csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        var all = (await s.Vouchers.GetJsonAsync(query))["value"]!.AsArray().Select(c => c!.AsObject()).ToList();
        ReconciliationTests.CsvEqualsJson(await csv.Content.ReadAsStringAsync(), all);
        using var accept = new HttpRequestMessage(HttpMethod.Get, query);
        accept.Headers.Accept.ParseAdd("text/csv");
        Assert.Equal("text/csv", (await s.Vouchers.SendAsync(accept)).Content.Headers.ContentType!.MediaType);

        // Bad periods and cursors are 400 problems naming the parameter.
        foreach (var bad in new[] { "/api/v1/vouchers/claims", "/api/v1/vouchers/claims?from=2031-09-01&to=2031-08-01",
            "/api/v1/vouchers/claims?from=yesterday&to=2031-08-01", $"{query}&after=nonsense", $"{query}&pageSize=0" })
        {
            var response = await s.Vouchers.GetAsync(bad);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        }
    }

    [Fact]
    public async Task A_voucher_number_is_used_once_across_the_node_unless_every_record_carrying_it_says_it_was_split()
    {
        var s = await ForAsync(node);
        var p = $"U{Guid.NewGuid():N}"[..12];
        var start = new DateTime(2031, 10, 2, 1, 0, 0, DateTimeKind.Utc);
        JsonObject Rec(string key, string instrument, string voucherNo, bool? split = null)
        {
            var r = s.Record(p + key, instrument, start, 1000, 500, p + voucherNo);
            if (split is { } value)
            {
                r["voucherSplit"] = value;
            }
            return r;
        }
        await Ok(await PushAsync(s.WriterA, "service-records", new JsonArray(Rec("A1", s.InstrumentA, "V1"))));
        // Pushing the same record again is no second use.
        await Ok(await PushAsync(s.WriterA, "service-records", new JsonArray(Rec("A1", s.InstrumentA, "V1"))));

        // Another unit's record with the same number: refused, nothing written.
        var refused = await Ok(await PushAsync(s.WriterB, "service-records", new JsonArray(Rec("B1", s.InstrumentB, "V1"))), HttpStatusCode.UnprocessableEntity);
        var error = Assert.Single(refused["errors"]!.AsArray())!;
        Assert.Equal("/0/voucherNo", error["path"]!.GetValue<string>());
        Assert.Contains($"'{p}A1' of unit {s.A}", error["message"]!.GetValue<string>());
        // Saying split is not enough while the first record does not.
        await Ok(await PushAsync(s.WriterB, "service-records", new JsonArray(Rec("B1", s.InstrumentB, "V1", split: true))), HttpStatusCode.UnprocessableEntity);
        Assert.Equal(0L, await node.ScalarAsync<long>($"SELECT COUNT(*) FROM service_records WHERE external_id = '{p}B1'"));

        // Once the first says split too, the second is taken.
        await Ok(await PushAsync(s.WriterA, "service-records", new JsonArray(Rec("A1", s.InstrumentA, "V1", split: true))));
        await Ok(await PushAsync(s.WriterB, "service-records", new JsonArray(Rec("B1", s.InstrumentB, "V1", split: true))));
        Assert.Equal(2L, await node.ScalarAsync<long>($"SELECT COUNT(*) FROM service_records WHERE voucher_no = '{p}V1'"));

        // Within one batch: the second use of an unsplit number is the failing item; continue-on-error writes the first.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/push/service-records")
        {
            Content = new StringContent(new JsonArray(Rec("A2", s.InstrumentA, "V2"), Rec("A3", s.InstrumentA, "V2")).ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Prefer", "odata.continue-on-error");
        var partial = await Ok(await s.WriterA.SendAsync(request));
        Assert.Equal(1, Assert.Single(partial["rejected"]!.AsArray())!["index"]!.GetValue<int>());
        Assert.Equal(p + "A2", (await node.RowsAsync($"SELECT external_id FROM service_records WHERE voucher_no = '{p}V2'")).Single()[0]);

        // An import refuses the same, by row, in Chinese and English.
        var csv = "\uFEFF记录编号,仪器资产编号,开始时间,结束时间,机时(小时),用户姓名,用户单位,校外用户,服务费(元),支付方式,创新券编号,创新券抵扣(元)\r\n" +
                  $"{p}B2,{s.InstrumentB},2031-10-02 09:00,2031-10-02 10:00,1,王五,某公司,是,100,创新券,{p}V2,50\r\n";
        var report = await ImportsTests.ImportAsync(s.WriterB, Encoding.UTF8.GetBytes(csv), "records.csv");
        var rejected = Assert.Single(report["rejected"]!.AsArray())!;
        Assert.Equal(2, rejected["row"]!.GetValue<int>());
        Assert.Equal("创新券编号", rejected["column"]!.GetValue<string>());
        Assert.StartsWith($"创新券 '{p}V2' 已被单位 {s.A} 的记录 '{p}A2' 使用", rejected["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_evidence_is_read_back_over_odata_and_no_unsplit_voucher_number_is_on_two_records()
    {
        var s = await ForAsync(node);
        var key = $"E{Guid.NewGuid():N}"[..12];
        var start = new DateTime(2031, 11, 3, 2, 0, 0, DateTimeKind.Utc);
        var pushed = s.Record(key, s.InstrumentA, start, 150_050, 120_050, "V" + key);
        await Ok(await PushAsync(s.WriterA, "service-records", new JsonArray(pushed)));
        var row = Assert.Single((await s.Vouchers.GetJsonAsync($"/odata/ServiceRecords?$filter=externalId eq '{key}'")).Values())!;
        foreach (var time in new[] { "bookedAt", "paidAt", "ratedAt", "startedAt", "endedAt" })
        {
            Assert.Equal(DateTimeOffset.Parse(pushed[time]!.GetValue<string>()), row[time]!.GetValue<DateTimeOffset>());
        }
        Assert.Equal(("BK-" + key, "PAY-" + key, 1500.50m, 1200.50m, false), (row["bookingRef"]!.GetValue<string>(), row["paymentRef"]!.GetValue<string>(),
            row["paidAmountCny"]!.Decimal(), row["voucherAmountCny"]!.Decimal(), row["voucherSplit"]!.GetValue<bool>()));

        Assert.Equal(0L, await node.ScalarAsync<long>(
            "SELECT COUNT(*) FROM (SELECT voucher_no FROM service_records WHERE voucher_no IS NOT NULL AND voucher_split = false GROUP BY voucher_no HAVING COUNT(*) > 1) AS twice"));
        Assert.True(await node.ScalarAsync<long>("SELECT COUNT(*) FROM service_records WHERE payment_method = 'voucher' AND paid_at IS NOT NULL AND booked_at IS NOT NULL AND rated_at IS NOT NULL") > 0);
        var disordered = await node.RowsAsync("SELECT external_id, booked_at, started_at, ended_at, rated_at FROM service_records WHERE booked_at > started_at OR rated_at < ended_at");
        Assert.True(disordered.Count == 0, string.Join("\n", disordered.Take(5).Select(r => string.Join(" | ", r))));
    }
}

public sealed class SqliteVoucherClaimsTests(SqliteNode node, ITestOutputHelper output) : VoucherClaimsTests(node, output), IClassFixture<SqliteNode>;

public sealed class PostgreSqlVoucherClaimsTests(PostgreSqlNode node, ITestOutputHelper output) : VoucherClaimsTests(node, output), IClassFixture<PostgreSqlNode>;
