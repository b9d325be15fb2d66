using System.Net;
using System.Text.Json.Nodes;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;
using Xunit.Abstractions;
using static DxyqOpenData.Tests.Vouchers.VoucherSetup;

namespace DxyqOpenData.Tests.Vouchers;

/// <summary>
/// <c>POST/GET /api/v1/vouchers/reconciliations</c> over HTTP with real tokens: a ledger with every kind of finding against
/// records pushed for the test (amounts drawn at random, the report worked out by hand from them), the same ledger as CSV
/// and NDJSON, the CSV report against the JSON one, Idempotency-Key, invalid lines, the 100,000-line limit.
/// </summary>
public abstract class ReconciliationTests(NodeFactory node, ITestOutputHelper output)
{
    private Task<long> StoredAsync() => node.ScalarAsync<long>("SELECT COUNT(*) FROM voucher_reconciliations");

    [Fact]
    public async Task A_ledger_with_every_kind_of_finding_gives_the_report_worked_out_by_hand()
    {
        var s = await ForAsync(node);
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        long Fen() => random.NextInt64(1, 2_000_000);
        var p = $"R{random.Next(100_000, 999_999)}";
        var from = new DateTime(2031, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        var to = from.AddMonths(1);
        DateTime Start() => from.AddHours(random.Next(1, 27 * 24));

        // The node's records: A1 seamless, A2 not rated, A3 paid before use, A4 not on the ledger, A5/A6 one voucher split
        // (only A5 on the ledger), A7 paid by transfer, B1 on the ledger under another voucher number, B2 on it twice.
        var v = Enumerable.Range(0, 10).Select(_ => Fen()).ToArray();
        var (v1, v2, v3, v4, v5, v6, vb1, vb2) = (v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
        JsonObject Rec(string key, string instrument, long voucher, string voucherNo) => s.Record(p + key, instrument, Start(), voucher + random.Next(0, 50_000), voucher, voucherNo);
        var a1 = Rec("A1", s.InstrumentA, v1, p + "VA1");
        var a2 = Rec("A2", s.InstrumentA, v2, p + "VA2");
        a2.Remove("ratedAt");
        var a3 = Rec("A3", s.InstrumentA, v3, p + "VA3");
        a3["paidAt"] = Time(DateTimeOffset.Parse(a3["startedAt"]!.GetValue<string>()).UtcDateTime.AddHours(-1));
        var a4 = Rec("A4", s.InstrumentA, v4, p + "VA4");
        var a5 = Rec("A5", s.InstrumentA, v5, p + "VS");
        var a6 = Rec("A6", s.InstrumentA, v6, p + "VS");
        a5["voucherSplit"] = true;
        a6["voucherSplit"] = true;
        var a7 = Rec("A7", s.InstrumentA, 0, "-");
        a7["paymentMethod"] = "transfer";
        a7.Remove("voucherNo");
        a7.Remove("voucherAmountCny");
        await Ok(await PushAsync(s.WriterA, "service-records", new JsonArray(a1, a2, a3, a4, a5, a6, a7)));
        await Ok(await PushAsync(s.WriterB, "service-records", new JsonArray(Rec("B1", s.InstrumentB, vb1, p + "VB1"), Rec("B2", s.InstrumentB, vb2, p + "VB2"))));

        var d = random.Next(1, 100_000) * (random.Next(2) == 0 ? 1 : -1);
        d = v3 + d > 0 ? d : -d;
        var (x7, xb1, xg, y1, y2) = (Fen(), Fen(), Fen(), Fen(), Fen());
        var paid = from.AddDays(20);
        var lines = new List<JsonObject>
        {
            Line(p + "L1", p + "VA1", s.A, p + "A1", v1, paid),
            Line(p + "L2", p + "VA2", s.A, p + "A2", v2, paid),
            Line(p + "L3", p + "VA3", s.A, p + "A3", v3 + d, paid),
            Line(p + "L5", p + "VS", s.A, p + "A5", v5, paid),
            Line(p + "L7", p + "VA7", s.A, p + "A7", x7, paid),
            Line(p + "LB1", p + "VB1X", s.B, p + "B1", xb1, paid),
            Line(p + "LB2", p + "VB2", s.B, p + "B2", vb2, paid),
            Line(p + "LG", p + "VG", s.B, p + "GHOST", xg, paid),
        }.OrderBy(_ => random.Next()).ToList();
        // Duplicates come after what they duplicate: the same record under a new line id, and a line id used again.
        lines.Add(Line(p + "LB2-again", p + "VB2", s.B, p + "B2", y1, paid));
        lines.Add(Line(p + "L1", p + "VG2", s.B, p + "GHOST2", y2, paid));
        int LineOf(string lineId) => lines.FindIndex(l => l["lineId"]!.GetValue<string>() == p + lineId) + 1;

        var summary = await Ok(await PostLedgerAsync(s.Vouchers, from, to, new JsonArray([.. lines.Select(l => l.DeepClone())]).ToJsonString()), HttpStatusCode.Created);
        var report = await s.Vouchers.GetJsonAsync(summary["report"]!.GetValue<string>());

        void Bucket(JsonNode totals, string kind, int count, long ledger, long node)
        {
            var bucket = totals[kind]!;
            Assert.True(count == bucket["count"]!.GetValue<int>(), $"{kind} count");
            Assert.True(Cny(ledger) == bucket["ledgerCny"]!.Decimal(), $"{kind} ledgerCny");
            Assert.True(Cny(node) == bucket["nodeCny"]!.Decimal(), $"{kind} nodeCny");
            Assert.True(Cny(ledger - node) == bucket["differenceCny"]!.Decimal(), $"{kind} differenceCny");
        }
        void Totals(JsonNode totals, int[] counts, long[][] amounts, int ledgerLines, int nodeRecords)
        {
            string[] kinds = ["matched", "amountMismatch", "notInNode", "notOnLedger", "ledgerDuplicate", "nodeDuplicate", "notSeamless"];
            for (var k = 0; k < kinds.Length; k++)
            {
                Bucket(totals, kinds[k], counts[k], amounts[k][0], amounts[k][1]);
            }
            var ledger = amounts[..6].Sum(a => a[0]);
            var nodeSide = amounts[..6].Sum(a => a[1]);
            Assert.Equal(Cny(ledger), totals["ledgerCny"]!.Decimal());
            Assert.Equal(Cny(nodeSide), totals["nodeCny"]!.Decimal());
            Assert.Equal(Cny(ledger - nodeSide), totals["differenceCny"]!.Decimal());
            Assert.Equal(ledgerLines, totals["ledgerLines"]!.GetValue<int>());
            Assert.Equal(nodeRecords, totals["nodeRecords"]!.GetValue<int>());
        }
        Totals(report["totals"]!, [4, 1, 3, 2, 2, 1, 2],
            [[v1 + v2 + v5 + vb2, v1 + v2 + v5 + vb2], [v3 + d, v3], [x7 + xb1 + xg, 0], [0, v4 + vb1], [y1 + y2, 0], [0, v6], [v2 + v3 + d, v2 + v3]], 10, 8);
        var units = report["units"]!.AsArray();
        Assert.Equal(new[] { s.A, s.B }.Order(), units.Select(u => u!["unitId"]!.GetValue<string>()).Order());
        Totals(units.Single(u => u!["unitId"]!.GetValue<string>() == s.A)!["totals"]!, [3, 1, 1, 1, 0, 1, 2],
            [[v1 + v2 + v5, v1 + v2 + v5], [v3 + d, v3], [x7, 0], [0, v4], [0, 0], [0, v6], [v2 + v3 + d, v2 + v3]], 5, 6);
        Totals(units.Single(u => u!["unitId"]!.GetValue<string>() == s.B)!["totals"]!, [1, 0, 2, 1, 2, 0, 0],
            [[vb2, vb2], [0, 0], [xb1 + xg, 0], [0, vb1], [y1 + y2, 0], [0, 0], [0, 0]], 5, 2);

        var items = report["items"]!.AsArray().Select(i => i!.AsObject()).ToList();
        Assert.Equal(13, items.Count);
        JsonObject Item(string kind, string key) => Assert.Single(items, i => i["kind"]!.GetValue<string>() == kind && i["externalId"]!.GetValue<string>() == p + key);
        foreach (var (key, line) in new[] { ("A1", "L1"), ("A2", "L2"), ("A5", "L5"), ("B2", "LB2") })
        {
            Assert.Equal(LineOf(line), Item("matched", key)["line"]!.GetValue<int>());
        }
        Assert.True(Item("matched", "A1")["seamless"]!.GetValue<bool>());
        Assert.False(Item("matched", "A2")["seamless"]!.GetValue<bool>());
        Assert.Equal(["rated"], Item("matched", "A2")["missingSteps"]!.AsArray().Select(x => x!.GetValue<string>()));
        var mismatch = Item("amountMismatch", "A3");
        Assert.Equal((Cny(v3 + d), Cny(v3), Cny(d)), (mismatch["ledgerCny"]!.Decimal(), mismatch["nodeCny"]!.Decimal(), mismatch["differenceCny"]!.Decimal()));
        Assert.Equal(["paidBeforeUse"], mismatch["inconsistencies"]!.AsArray().Select(x => x!.GetValue<string>()));
        Assert.Equal("notVoucherPaid", Item("notInNode", "A7")["reason"]!.GetValue<string>());
        Assert.Equal("voucherNoDiffers", Item("notInNode", "B1")["reason"]!.GetValue<string>());
        Assert.Equal("noSuchRecord", Item("notInNode", "GHOST")["reason"]!.GetValue<string>());
        Assert.Equal(("sameRecord", LineOf("LB2")), (Item("ledgerDuplicate", "B2")["reason"]!.GetValue<string>(), Item("ledgerDuplicate", "B2")["firstLine"]!.GetValue<int>()));
        Assert.Equal(("sameLineId", LineOf("L1")), (Item("ledgerDuplicate", "GHOST2")["reason"]!.GetValue<string>(), Item("ledgerDuplicate", "GHOST2")["firstLine"]!.GetValue<int>()));
        Assert.Equal((9, 10), (Item("ledgerDuplicate", "B2")["line"]!.GetValue<int>(), Item("ledgerDuplicate", "GHOST2")["line"]!.GetValue<int>()));
        Assert.Equal(Cny(v4), Item("notOnLedger", "A4")["nodeCny"]!.Decimal());
        Assert.Equal(Cny(vb1), Item("notOnLedger", "B1")["nodeCny"]!.Decimal());
        Assert.Equal([$"{s.A}/{p}A5"], Item("nodeDuplicate", "A6")["alsoUsedBy"]!.AsArray().Select(x => x!.GetValue<string>()));

        // The findings as CSV are the JSON ones, cell by cell.
        var csv = await s.Vouchers.GetAsync(summary["reportCsv"]!.GetValue<string>());
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        CsvEqualsJson(await csv.Content.ReadAsStringAsync(), items);

        // The same ledger as CSV and as NDJSON gives the same report.
        foreach (var (body, type) in new[] { (Csv(lines), "text/csv"), (string.Join("\n", lines.Select(l => l.ToJsonString())), "application/x-ndjson") })
        {
            var again = await Ok(await PostLedgerAsync(s.Vouchers, from, to, body, type), HttpStatusCode.Created);
            var other = await s.Vouchers.GetJsonAsync(again["report"]!.GetValue<string>());
            Assert.NotEqual(report["id"]!.GetValue<string>(), other["id"]!.GetValue<string>());
            foreach (var part in new[] { "totals", "units", "items", "from", "to" })
            {
                Assert.True(JsonNode.DeepEquals(report[part], other[part]), $"{type}: {part} differs");
            }
        }

        var list = await s.Vouchers.GetJsonAsync("/api/v1/vouchers/reconciliations?top=1000");
        Assert.Contains(list["value"]!.AsArray(), r => r!["id"]!.GetValue<string>() == summary["id"]!.GetValue<string>()
            && JsonNode.DeepEquals(r["totals"], report["totals"]));
    }

    [Fact]
    public async Task A_replay_with_the_same_key_returns_the_first_answer_and_records_nothing_again_and_another_body_is_422()
    {
        var s = await ForAsync(node);
        var from = new DateTime(2031, 5, 1, 0, 0, 0, DateTimeKind.Utc);
        var body = new JsonArray(Line("I-1", "V-I-1", s.A, "I-NONE-1", 12_345, from.AddDays(3))).ToJsonString();
        var key = Guid.NewGuid().ToString();
        var first = await PostLedgerAsync(s.Vouchers, from, from.AddMonths(1), body, idempotencyKey: key);
        var firstBody = await Ok(first, HttpStatusCode.Created);
        var stored = await StoredAsync();

        var replay = await PostLedgerAsync(s.Vouchers, from, from.AddMonths(1), body, idempotencyKey: key);
        Assert.True(JsonNode.DeepEquals(firstBody, await Ok(replay, HttpStatusCode.Created)));
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(first.Headers.Location, replay.Headers.Location);
        Assert.Equal(stored, await StoredAsync());

        var other = new JsonArray(Line("I-1", "V-I-1", s.A, "I-NONE-1", 12_346, from.AddDays(3))).ToJsonString();
        var problem = await Ok(await PostLedgerAsync(s.Vouchers, from, from.AddMonths(1), other, idempotencyKey: key), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("urn:dxyq:problem:validation", problem["type"]!.GetValue<string>());
        Assert.Contains("Idempotency-Key", problem["title"]!.GetValue<string>());
        // Same body, another period: another request too.
        await Ok(await PostLedgerAsync(s.Vouchers, from, from.AddMonths(2), body, idempotencyKey: key), HttpStatusCode.UnprocessableEntity);
        Assert.Equal(stored, await StoredAsync());
    }

    [Fact]
    public async Task Unit_clients_anonymous_callers_and_tokens_without_the_vouchers_scope_are_refused_everywhere()
    {
        var s = await ForAsync(node);
        var from = new DateTime(2031, 8, 1, 0, 0, 0, DateTimeKind.Utc);
        var own = await Ok(await PostLedgerAsync(s.Vouchers, from, from.AddMonths(1), "[]"), HttpStatusCode.Created);
        var federation = node.WithToken(await s.Anonymous.TokenAsync(await node.AddClientAsync("federation")));
        var admin = node.WithToken(await s.Anonymous.TokenAsync(await node.AddClientAsync("admin")));
        var stored = await StoredAsync();
        var routes = new[] { "/api/v1/vouchers/claims?from=2031-08-01&to=2031-09-01", "/api/v1/vouchers/reconciliations", own["report"]!.GetValue<string>() };
        foreach (var (client, status) in new[] { (s.Anonymous, HttpStatusCode.Unauthorized), (s.WriterA, HttpStatusCode.Forbidden),
            (federation, HttpStatusCode.Forbidden), (admin, HttpStatusCode.Forbidden) })
        {
            foreach (var route in routes)
            {
                Assert.Equal(status, (await client.GetAsync(route)).StatusCode);
            }
            Assert.Equal(status, (await PostLedgerAsync(client, from, from.AddMonths(1), "[]")).StatusCode);
        }
        Assert.Equal(stored, await StoredAsync());

        // Another voucher system does not see this one's reconciliations.
        var otherSystem = node.WithToken(await s.Anonymous.TokenAsync(await node.AddClientAsync("vouchers", null, "other-voucher-system")));
        Assert.Equal(HttpStatusCode.NotFound, (await otherSystem.GetAsync(own["report"]!.GetValue<string>())).StatusCode);
        Assert.Empty((await otherSystem.GetJsonAsync("/api/v1/vouchers/reconciliations"))["value"]!.AsArray());
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("text/csv")]
    public async Task Invalid_lines_are_refused_with_their_line_numbers_and_fields_and_nothing_is_recorded(string mediaType)
    {
        var s = await ForAsync(node);
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var from = new DateTime(2031, 6, 1, 0, 0, 0, DateTimeKind.Utc);
        var badUnit = s.A[..17] + (s.A[17] == '0' ? '1' : '0');
        // Each mutation: what it does to a valid line, and the field the node must name.
        var mutations = new List<(Action<JsonObject> Mutate, string Path)>
        {
            (l => l.Remove("voucherNo"), "/voucherNo"),
            (l => l["amountCny"] = 12.345m, "/amountCny"),
            (l => l["amountCny"] = 0, "/amountCny"),
            (l => l["paidAt"] = "2031-06-03 10:00", "/paidAt"),
            (l => l["serviceRecord"]!["unitId"] = badUnit, "/serviceRecord/unitId"),
            (l => l["enterpriseCreditCode"] = "123", "/enterpriseCreditCode"),
        };
        if (mediaType == "application/json")
        {
            mutations.Add((l => l["colour"] = "red", "/colour"));
            mutations.Add((l => l["amountCny"] = "12.00", "/amountCny"));
        }
        var lines = Enumerable.Range(0, 60).Select(i => Line($"X-{i}", $"V-X-{i}", s.A, $"X-REC-{i}", random.Next(1, 1_000_000), from.AddDays(2))).ToList();
        var bad = new Dictionary<int, string>();
        foreach (var index in Enumerable.Range(0, lines.Count).OrderBy(_ => random.Next()).Take(random.Next(1, 12)))
        {
            var (mutate, path) = mutations[random.Next(mutations.Count)];
            mutate(lines[index]);
            bad[index + 1] = path;
        }
        var stored = await StoredAsync();
        var body = mediaType == "text/csv" ? Csv(lines) : new JsonArray([.. lines]).ToJsonString();
        var problem = await Ok(await PostLedgerAsync(s.Vouchers, from, from.AddMonths(1), body, mediaType, Guid.NewGuid().ToString()), HttpStatusCode.UnprocessableEntity);
        var errors = problem["errors"]!.AsArray().Select(e => (Line: e!["line"]!.GetValue<int>(), Path: e["path"]!.GetValue<string>())).ToList();
        Assert.Equal(bad.Keys.Order(), errors.Select(e => e.Line).Distinct().Order());
        foreach (var (line, path) in bad)
        {
            Assert.Contains((line, path), errors);
        }
        Assert.Equal(bad.Count, problem["invalidLines"]!.GetValue<int>());
        Assert.Equal(stored, await StoredAsync());
    }

    [Fact]
    public async Task A_ledger_of_100000_lines_is_taken_and_one_more_line_is_413_with_nothing_recorded()
    {
        var s = await ForAsync(node);
        var from = new DateTime(2031, 7, 1, 0, 0, 0, DateTimeKind.Utc);
        string Ledger(int count) => string.Join("\n", Enumerable.Range(0, count).Select(i =>
            Line($"M-{i}", $"V-M-{i}", s.A, $"M-REC-{i}", 100 + i, from.AddDays(1)).ToJsonString()));
        var stored = await StoredAsync();
        var over = await PostLedgerAsync(s.Vouchers, from, from.AddMonths(1), Ledger(100_001), "application/x-ndjson");
        var problem = await Ok(over, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("Vouchers:MaxLines", problem["limit"]!.GetValue<string>());
        Assert.Equal(stored, await StoredAsync());

        var summary = await Ok(await PostLedgerAsync(s.Vouchers, from, from.AddMonths(1), Ledger(100_000), "application/x-ndjson"), HttpStatusCode.Created);
        var totals = summary["totals"]!;
        Assert.Equal(100_000, totals["ledgerLines"]!.GetValue<int>());
        Assert.Equal(100_000, totals["notInNode"]!["count"]!.GetValue<int>());
        // 100 + 101 + … + 100,099 fen.
        Assert.Equal(Cny(100_000L * 100 + 99_999L * 100_000 / 2), totals["ledgerCny"]!.Decimal());
        Assert.Equal(stored + 1, await StoredAsync());
    }

    /// <summary>Parses RFC 4180 CSV independently and compares every cell with the JSON item's value.</summary>
    public static void CsvEqualsJson(string csv, IReadOnlyList<JsonObject> items)
    {
        var rows = ParseCsv(csv.TrimStart('\uFEFF'));
        var header = rows[0];
        Assert.Equal(items.Count, rows.Count - 1);
        for (var i = 0; i < items.Count; i++)
        {
            for (var c = 0; c < header.Count; c++)
            {
                var value = items[i][header[c]];
                var expected = value switch
                {
                    null => "",
                    JsonArray array => string.Join(';', array.Select(x => x!.GetValue<string>())),
                    JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String => v.GetValue<string>(),
                    _ => value.ToJsonString(),
                };
                Assert.True(expected == rows[i + 1][c], $"row {i + 1}, column {header[c]}: JSON '{expected}', CSV '{rows[i + 1][c]}'");
            }
        }
    }

    private static List<List<string>> ParseCsv(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (ch == '"') { quoted = false; }
                else { field.Append(ch); }
            }
            else if (ch == '"') { quoted = true; }
            else if (ch == ',') { row.Add(field.ToString()); field.Clear(); }
            else if (ch == '\n') { row.Add(field.ToString()); field.Clear(); rows.Add(row); row = []; }
            else if (ch != '\r') { field.Append(ch); }
        }
        return rows;
    }
}

public sealed class SqliteReconciliationTests(SqliteNode node, ITestOutputHelper output) : ReconciliationTests(node, output), IClassFixture<SqliteNode>;

public sealed class PostgreSqlReconciliationTests(PostgreSqlNode node, ITestOutputHelper output) : ReconciliationTests(node, output), IClassFixture<PostgreSqlNode>;
