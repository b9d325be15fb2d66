using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Push;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DxyqOpenData.Tests.Push;

/// <summary>
/// The push API over HTTP with real tokens: each kind written and read back over OData, upserts, atomic and
/// continue-on-error batches, unit isolation, Idempotency-Key, limits and bad input. What was written is checked
/// in SQL on the node's database. Runs once per provider (subclasses below).
/// </summary>
public abstract class PushApiTests(NodeFactory node, ITestOutputHelper output)
{
    private readonly HttpClient _anonymous = node.CreateClient();

    /// <summary>Two units of the demo data with a writing client each, and a client of unit A that may only read.</summary>
    private sealed record Setup(string A, string B, HttpClient WriterA, HttpClient WriterB, HttpClient ReaderA, HttpClient CatalogOnlyA);

    private static readonly Dictionary<NodeFactory, Task<Setup>> Setups = [];

    private Task<Setup> SetupAsync()
    {
        lock (Setups)
        {
            if (!Setups.TryGetValue(node, out var setup))
            {
                Setups[node] = setup = CreateSetupAsync();
            }
            return setup;
        }
    }

    private async Task<Setup> CreateSetupAsync()
    {
        var units = await node.RowsAsync("SELECT id FROM units ORDER BY id");
        var a = units[0][0]!.ToString()!.Trim();
        var b = units[1][0]!.ToString()!.Trim();
        async Task<HttpClient> Client(string scopes, string unit) => node.WithToken(await _anonymous.TokenAsync(await node.AddClientAsync(scopes, unit)));
        return new Setup(a, b,
            await Client("catalog.write,records.write,records.read", a),
            await Client("catalog.write,records.write,records.read", b),
            await Client("records.read", a),
            await Client("catalog.write", a));
    }

    private static string NewKey(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 64)];

    private static JsonObject Instrument(string innerId, decimal price = 450000m) => new()
    {
        ["innerId"] = innerId, ["name"] = "场发射扫描电子显微镜", ["categoryCode"] = "020301", ["instrumentType"] = "general",
        ["priceCny"] = price, ["fundingSource"] = "fiscal", ["acceptanceDate"] = "2026-01-05", ["status"] = "normal",
        ["shareMode"] = "open", ["regionCode"] = "330106", ["countryOfOrigin"] = "CN", ["manufacturer"] = "中科科仪",
    };

    private static JsonObject Record(string externalId, string instrumentInnerId, decimal fee = 800m) => new()
    {
        ["externalId"] = externalId, ["instrumentInnerId"] = instrumentInnerId, ["startedAt"] = "2026-03-02T09:00:00+08:00",
        ["endedAt"] = "2026-03-02T11:30:00+08:00", ["hours"] = 2.5, ["userName"] = "李明", ["userOrganization"] = "淳安某新材料有限公司",
        ["isExternal"] = true, ["feeCny"] = fee, ["paymentMethod"] = "transfer",
    };

    private static async Task<HttpResponseMessage> PushAsync(HttpClient client, string kind, JsonNode body, string? idempotencyKey = null, bool continueOnError = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/push/{kind}")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        if (continueOnError)
        {
            request.Headers.Add("Prefer", "odata.continue-on-error");
        }
        return await client.SendAsync(request);
    }

    private static async Task<JsonObject> JsonOf(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {expected}, got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    private async Task<string> PushInstrumentAsync(HttpClient client)
    {
        var innerId = NewKey("INS");
        await JsonOf(await PushAsync(client, "instruments", new JsonArray(Instrument(innerId))), HttpStatusCode.OK);
        return innerId;
    }

    private Task<long> CountAsync(string table, string unit) => node.ScalarAsync<long>($"SELECT COUNT(*) FROM {table} WHERE unit_id = '{unit}'");

    [Fact]
    public async Task Each_kind_is_written_and_read_back_over_odata()
    {
        var s = await SetupAsync();
        var innerId = NewKey("INS");
        var offering = NewKey("SRV");
        var record = NewKey("REC");
        var dataset = NewKey("DS");
        var sensor = NewKey("sen");

        var result = await JsonOf(await PushAsync(s.WriterA, "instruments", new JsonArray(Instrument(innerId))), HttpStatusCode.OK);
        Assert.Equal(1, (int)result["received"]!);
        Assert.Equal(1, (int)result["created"]!);
        Assert.Equal(0, (int)result["updated"]!);
        Assert.Empty(result["rejected"]!.AsArray());

        await JsonOf(await PushAsync(s.WriterA, "service-offerings", new JsonArray(new JsonObject
        {
            ["externalId"] = offering, ["instrumentInnerId"] = innerId, ["name"] = "扫描电镜机时", ["kind"] = "machineTime", ["feeCny"] = 320.5, ["feeUnit"] = "hour",
        })), HttpStatusCode.OK);
        var recordDoc = Record(record, innerId);
        recordDoc["serviceOfferingExternalId"] = offering;
        recordDoc["unitId"] = s.A;
        recordDoc["paymentMethod"] = "voucher";
        recordDoc["voucherNo"] = "ZJKJQ-1";
        recordDoc["voucherAmountCny"] = 600.25;
        await JsonOf(await PushAsync(s.WriterA, "service-records", new JsonArray(recordDoc)), HttpStatusCode.OK);
        await JsonOf(await PushAsync(s.WriterA, "datasets", new JsonArray(new JsonObject
        {
            ["externalId"] = dataset, ["instrumentInnerId"] = innerId, ["title"] = "电镜原始图像", ["license"] = "CC-BY-4.0", ["access"] = "open",
        })), HttpStatusCode.OK);
        await JsonOf(await PushAsync(s.WriterA, "sensors", new JsonArray(new JsonObject
        {
            ["externalId"] = sensor, ["instrumentInnerId"] = innerId, ["format"] = "canonical", ["status"] = "active", ["installedAt"] = "2026-02-01T08:00:00+08:00",
        })), HttpStatusCode.OK);

        var instrument = Assert.Single((await _anonymous.GetJsonAsync($"/odata/Instruments?$filter=innerId eq '{innerId}'")).Values())!;
        Assert.Equal(s.A, instrument["unitId"]!.GetValue<string>());
        Assert.Equal(450000m, instrument["priceCny"]!.Decimal());
        Assert.True(instrument["isDomestic"]!.GetValue<bool>());
        Assert.Equal(sensor, instrument["sensorId"]!.GetValue<string>());
        Assert.NotNull(instrument["onboardedAt"]);
        Assert.Equal("2026-02-01T00:00:00Z", instrument["sensorInstalledAt"]!.GetValue<DateTimeOffset>().ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ"));
        var instrumentId = instrument["id"]!.GetValue<string>();
        // Acceptance Monday 2026-01-05 + 30 working days: 6-30 January 19, 2-13 February 10, and Saturday 14 February
        // is the 30th: a working weekend (调休) before the Spring Festival.
        Assert.Equal("2026-02-14",
            (await node.RowsAsync($"SELECT onboarding_due_date FROM instruments WHERE unit_id = '{s.A}' AND inner_id = '{innerId}'"))
                .Select(r => r[0] is DateOnly d ? d.ToString("yyyy-MM-dd") : r[0] is DateTime t ? t.ToString("yyyy-MM-dd") : r[0]!.ToString()!).Single());

        var offeringRow = Assert.Single((await _anonymous.GetJsonAsync($"/odata/ServiceOfferings?$filter=externalId eq '{offering}'")).Values())!;
        Assert.Equal(instrumentId, offeringRow["instrumentId"]!.GetValue<string>());
        Assert.Equal(320.5m, offeringRow["feeCny"]!.Decimal());

        var recordRow = Assert.Single((await s.ReaderA.GetJsonAsync($"/odata/ServiceRecords?$filter=externalId eq '{record}'")).Values())!;
        Assert.Equal(instrumentId, recordRow["instrumentId"]!.GetValue<string>());
        Assert.Equal(offeringRow["id"]!.GetValue<string>(), recordRow["serviceOfferingId"]!.GetValue<string>());
        Assert.Equal(600.25m, recordRow["voucherAmountCny"]!.Decimal());
        Assert.Equal("voucher", recordRow["paymentMethod"]!.GetValue<string>());
        Assert.Equal(DateTimeOffset.Parse("2026-03-02T01:00:00Z"), recordRow["startedAt"]!.GetValue<DateTimeOffset>());

        var datasetRow = Assert.Single((await _anonymous.GetJsonAsync($"/odata/Datasets?$filter=externalId eq '{dataset}'")).Values())!;
        Assert.Equal(instrumentId, datasetRow["instrumentId"]!.GetValue<string>());

        var sensorRow = Assert.Single((await _anonymous.GetJsonAsync($"/odata/Sensors?$filter=id eq '{sensor}'")).Values())!;
        Assert.Equal(instrumentId, sensorRow["instrumentId"]!.GetValue<string>());
        Assert.Equal("active", sensorRow["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_pushed_row_is_stored_exactly_as_EF_stores_it()
    {
        // The push writes new rows with its own statements (SQLite: a prepared INSERT; PostgreSQL: binary COPY). Every
        // column must hold what EF's SaveChanges would have written for the same entity: same types, same text forms.
        var s = await SetupAsync();
        var innerId = await PushInstrumentAsync(s.WriterA);
        var (pushed, saved) = (NewKey("REC"), NewKey("REC"));
        var record = Record(pushed, innerId, 1234.56m);
        record["samples"] = 3;
        record["userCreditCode"] = "91330127MA2B7K3P77";
        record["userRegionCode"] = "330127";
        record["paymentMethod"] = "voucher";
        record["voucherNo"] = "ZJKJQ-2026-0001873";
        record["voucherAmountCny"] = 600.5m;
        record["rating"] = 4;
        await JsonOf(await PushAsync(s.WriterA, "service-records", new JsonArray(record)), HttpStatusCode.OK);

        await using (var scope = node.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<DxyqOpenData.Api.Data.CatalogDbContext>();
            var row = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(
                Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.IgnoreQueryFilters(
                    Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.AsNoTracking(db.ServiceRecords)),
                r => r.ExternalId == pushed);
            row.Id = Guid.NewGuid();
            row.ExternalId = saved;
            db.ServiceRecords.Add(row);
            await db.SaveChangesAsync();
        }

        var rows = await node.RowsAsync($"SELECT * FROM service_records WHERE external_id IN ('{pushed}', '{saved}') ORDER BY external_id = '{saved}'");
        var columns = await node.RowsAsync(node.Provider == DxyqOpenData.Api.Data.DatabaseProvider.Sqlite
            ? "SELECT name FROM pragma_table_info('service_records') ORDER BY cid"
            : "SELECT column_name FROM information_schema.columns WHERE table_name = 'service_records' ORDER BY ordinal_position");
        Assert.Equal(2, rows.Count);
        for (var c = 0; c < columns.Count; c++)
        {
            var name = columns[c][0]!.ToString();
            if (name is "id" or "external_id")
            {
                continue;
            }
            var (a, b) = (rows[0][c], rows[1][c]);
            Assert.True(Equals(a, b) && a?.GetType() == b?.GetType(),
                $"{name}: pushed {a} ({a?.GetType().Name}), saved by EF {b} ({b?.GetType().Name})");
        }
    }

    [Fact]
    public async Task A_second_push_updates_by_the_units_key_and_counts_right()
    {
        var s = await SetupAsync();
        var innerId = await PushInstrumentAsync(s.WriterA);
        var (r1, r2, r3) = (NewKey("REC"), NewKey("REC"), NewKey("REC"));

        var first = await JsonOf(await PushAsync(s.WriterA, "service-records", new JsonArray(Record(r1, innerId), Record(r2, innerId))), HttpStatusCode.OK);
        Assert.Equal((2, 0), ((int)first["created"]!, (int)first["updated"]!));

        var second = await JsonOf(await PushAsync(s.WriterA, "service-records", new JsonArray(Record(r1, innerId, 999.99m), Record(r2, innerId), Record(r3, innerId))), HttpStatusCode.OK);
        Assert.Equal(3, (int)second["received"]!);
        Assert.Equal((1, 2), ((int)second["created"]!, (int)second["updated"]!));

        Assert.Equal(99999L, await node.ScalarAsync<long>($"SELECT fee_fen FROM service_records WHERE unit_id = '{s.A}' AND external_id = '{r1}'"));
        Assert.Equal(3L, await node.ScalarAsync<long>($"SELECT COUNT(*) FROM service_records WHERE external_id IN ('{r1}','{r2}','{r3}')"));
    }

    [Fact]
    public async Task Instruments_from_the_demo_data_and_from_pushes_update_and_take_sensors()
    {
        // Rows written by bulk copy (demo data, earlier pushes) are updated by EF: every stored time stamp form must do.
        var s = await SetupAsync();
        var demo = (await node.RowsAsync($"SELECT inner_id FROM instruments WHERE unit_id = '{s.A}' ORDER BY inner_id"))
            .Select(r => r[0]!.ToString()!).Take(20).ToList();
        var fresh = Enumerable.Range(0, 20).Select(_ => NewKey("INS")).ToList();
        var keys = demo.Concat(fresh).ToList();
        var body = new JsonArray([.. keys.Select(k => (JsonNode)Instrument(k))]);

        var first = await JsonOf(await PushAsync(s.WriterA, "instruments", body), HttpStatusCode.OK);
        Assert.Equal((fresh.Count, demo.Count), ((int)first["created"]!, (int)first["updated"]!));
        await Task.Delay(5);
        var second = await JsonOf(await PushAsync(s.WriterA, "instruments", body.DeepClone()), HttpStatusCode.OK);
        Assert.Equal((0, keys.Count), ((int)second["created"]!, (int)second["updated"]!));

        var sensors = new JsonArray([.. keys.Select(k => (JsonNode)new JsonObject { ["externalId"] = NewKey("sen"), ["instrumentInnerId"] = k, ["format"] = "canonical", ["status"] = "active" })]);
        var linked = await JsonOf(await PushAsync(s.WriterA, "sensors", sensors), HttpStatusCode.OK);
        Assert.Equal(keys.Count, (int)linked["created"]!);
        var withSensor = await node.ScalarAsync<long>(
            $"SELECT COUNT(*) FROM instruments WHERE unit_id = '{s.A}' AND sensor_id IS NOT NULL AND inner_id IN ({string.Join(',', keys.Select(k => $"'{k}'"))})");
        Assert.Equal(keys.Count, withSensor);
    }

    [Fact]
    public async Task An_invalid_item_refuses_the_whole_batch_and_names_every_failing_item()
    {
        var s = await SetupAsync();
        var innerId = await PushInstrumentAsync(s.WriterA);
        var before = await CountAsync("service_records", s.A);
        var good = NewKey("REC");
        var cheap = Record(NewKey("REC"), innerId);
        cheap["voucherAmountCny"] = 900;                      // more than the fee
        var unknown = Record(NewKey("REC"), "NO-SUCH-INSTRUMENT");
        var reversed = Record(NewKey("REC"), innerId);
        reversed["endedAt"] = "2026-03-02T08:00:00+08:00";    // before the start
        var badSchema = Record(NewKey("REC"), innerId);
        badSchema["feeCny"] = -1;
        badSchema["id"] = "node-computed";

        var problem = await JsonOf(await PushAsync(s.WriterA, "service-records",
            new JsonArray(Record(good, innerId), cheap, unknown, reversed, badSchema)), HttpStatusCode.UnprocessableEntity);

        Assert.Equal("urn:dxyq:problem:validation", problem["type"]!.GetValue<string>());
        var rejected = problem["rejected"]!.AsArray().Select(x => x!.AsObject()).ToList();
        Assert.Equal([1, 2, 3, 4], rejected.Select(r => (int)r["index"]!));
        Assert.Equal(cheap["externalId"]!.GetValue<string>(), rejected[0]["key"]!.GetValue<string>());
        string[] Paths(int i) => [.. rejected[i]["errors"]!.AsArray().Select(e => e!["path"]!.GetValue<string>())];
        Assert.Equal(["/voucherAmountCny"], Paths(0));
        Assert.Equal(["/instrumentInnerId"], Paths(1));
        Assert.Contains("NO-SUCH-INSTRUMENT", rejected[1]["errors"]![0]!["message"]!.GetValue<string>());
        Assert.Equal(["/endedAt"], Paths(2));
        Assert.Contains("/feeCny", Paths(3));
        Assert.Contains("/id", Paths(3));
        Assert.Contains(problem["errors"]!.AsArray(), e => e!["path"]!.GetValue<string>() == "/4/feeCny");

        Assert.Equal(before, await CountAsync("service_records", s.A));
        Assert.Equal(0L, await node.ScalarAsync<long>($"SELECT COUNT(*) FROM service_records WHERE external_id = '{good}'"));
    }

    [Fact]
    public async Task Continue_on_error_writes_the_valid_items_and_reports_the_others()
    {
        var s = await SetupAsync();
        var (good1, good2, bad) = (NewKey("INS"), NewKey("INS"), NewKey("INS"));

        using var response = await PushAsync(s.WriterA, "instruments",
            new JsonArray(Instrument(good1), Instrument(bad, price: 1000m), Instrument(good2)), continueOnError: true);
        var result = await JsonOf(response, HttpStatusCode.OK);

        Assert.Equal("odata.continue-on-error", response.Headers.GetValues("Preference-Applied").Single());
        Assert.Equal(3, (int)result["received"]!);
        Assert.Equal(2, (int)result["accepted"]!);
        Assert.Equal(2, (int)result["created"]!);
        var rejected = Assert.Single(result["rejected"]!.AsArray())!;
        Assert.Equal(1, (int)rejected["index"]!);
        Assert.Equal(bad, rejected["key"]!.GetValue<string>());
        Assert.Equal("/priceCny", rejected["errors"]![0]!["path"]!.GetValue<string>());
        Assert.Equal(2L, await node.ScalarAsync<long>($"SELECT COUNT(*) FROM instruments WHERE inner_id IN ('{good1}','{good2}','{bad}')"));
    }

    [Fact]
    public async Task A_unit_cannot_push_for_another_units_instrument_or_name_another_unit_or_take_its_sensor()
    {
        var s = await SetupAsync();
        var instrumentOfB = await PushInstrumentAsync(s.WriterB);
        var sensorOfB = NewKey("senb");
        await JsonOf(await PushAsync(s.WriterB, "sensors", new JsonArray(new JsonObject { ["externalId"] = sensorOfB, ["format"] = "canonical", ["status"] = "active" })), HttpStatusCode.OK);
        var (recordsA, recordsB, instrumentsB) = (await CountAsync("service_records", s.A), await CountAsync("service_records", s.B), await CountAsync("instruments", s.B));

        var record = Record(NewKey("REC"), instrumentOfB);
        var problem = await JsonOf(await PushAsync(s.WriterA, "service-records", new JsonArray(record)), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("/instrumentInnerId", problem["rejected"]![0]!["errors"]![0]!["path"]!.GetValue<string>());

        var overwrite = Instrument(instrumentOfB);
        overwrite["unitId"] = s.B;
        problem = await JsonOf(await PushAsync(s.WriterA, "instruments", new JsonArray(overwrite)), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("/unitId", problem["rejected"]![0]!["errors"]![0]!["path"]!.GetValue<string>());

        problem = await JsonOf(await PushAsync(s.WriterA, "sensors", new JsonArray(new JsonObject { ["externalId"] = sensorOfB, ["format"] = "acme-json", ["status"] = "inactive" })), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("/externalId", problem["rejected"]![0]!["errors"]![0]!["path"]!.GetValue<string>());
        Assert.Contains("another unit", problem["rejected"]![0]!["errors"]![0]!["message"]!.GetValue<string>());

        Assert.Equal(recordsA, await CountAsync("service_records", s.A));
        Assert.Equal(recordsB, await CountAsync("service_records", s.B));
        Assert.Equal(instrumentsB, await CountAsync("instruments", s.B));
        Assert.Equal("canonical", await node.ScalarAsync<string>($"SELECT format FROM sensors WHERE id = '{sensorOfB}'"));
        Assert.Equal(s.B, (await node.ScalarAsync<string>($"SELECT unit_id FROM sensors WHERE id = '{sensorOfB}'")).Trim());

        // The same innerId in unit A is A's own instrument: no collision with B's.
        var mine = await JsonOf(await PushAsync(s.WriterA, "instruments", new JsonArray(Instrument(instrumentOfB))), HttpStatusCode.OK);
        Assert.Equal(1, (int)mine["created"]!);
        Assert.Equal(instrumentsB, await CountAsync("instruments", s.B));
    }

    [Fact]
    public async Task An_idempotent_replay_returns_the_first_answer_and_writes_nothing()
    {
        var s = await SetupAsync();
        var innerId = await PushInstrumentAsync(s.WriterA);
        var key = Guid.NewGuid().ToString();
        var body = new JsonArray(Record(NewKey("REC"), innerId), Record(NewKey("REC"), innerId));

        using var first = await PushAsync(s.WriterA, "service-records", body, key);
        var firstText = await first.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var updatedAt = await node.RowsAsync($"SELECT updated_at FROM service_records WHERE unit_id = '{s.A}' ORDER BY updated_at DESC");

        using var replay = await PushAsync(s.WriterA, "service-records", body, key);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal(firstText, await replay.Content.ReadAsStringAsync());
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(2, (int)JsonNode.Parse(firstText)!["created"]!);
        Assert.Equal(updatedAt.Select(r => r[0]?.ToString()), (await node.RowsAsync($"SELECT updated_at FROM service_records WHERE unit_id = '{s.A}' ORDER BY updated_at DESC")).Select(r => r[0]?.ToString()));

        // The same key with another body is refused; another client's same key is its own.
        var other = await JsonOf(await PushAsync(s.WriterA, "service-records", new JsonArray(Record(NewKey("REC"), innerId)), key), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("urn:dxyq:problem:validation", other["type"]!.GetValue<string>());
        Assert.Contains("Idempotency-Key", other["detail"]!.GetValue<string>());
        Assert.Equal(1L, await node.ScalarAsync<long>($"SELECT COUNT(*) FROM idempotency_keys WHERE key = '{key}'"));
        await JsonOf(await PushAsync(s.WriterB, "instruments", new JsonArray(Instrument(NewKey("INS"))), key), HttpStatusCode.OK);
        Assert.Equal(2L, await node.ScalarAsync<long>($"SELECT COUNT(*) FROM idempotency_keys WHERE key = '{key}'"));
    }

    [Fact]
    public async Task A_duplicate_of_a_push_still_in_flight_is_409()
    {
        var s = await SetupAsync();
        var hooks = node.Services.GetRequiredService<PushHooks>();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hooks.AfterIdempotencyKeyReserved = async _ => { entered.TrySetResult(); await release.Task; };
        try
        {
            var key = Guid.NewGuid().ToString();
            var body = new JsonArray(Instrument(NewKey("INS")));
            var first = PushAsync(s.WriterA, "instruments", body, key);
            await entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
            hooks.AfterIdempotencyKeyReserved = null;

            var duplicate = await JsonOf(await PushAsync(s.WriterA, "instruments", body, key), HttpStatusCode.Conflict);
            Assert.Equal("urn:dxyq:problem:conflict", duplicate["type"]!.GetValue<string>());

            release.SetResult();
            var result = await JsonOf(await first, HttpStatusCode.OK);
            Assert.Equal(1, (int)result["created"]!);
            // Once the first has answered, the duplicate is a replay.
            using var replay = await PushAsync(s.WriterA, "instruments", body, key);
            Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
            Assert.Equal(result.ToJsonString(), JsonNode.Parse(await replay.Content.ReadAsStringAsync())!.ToJsonString());
        }
        finally
        {
            hooks.AfterIdempotencyKeyReserved = null;
            release.TrySetResult();
        }
    }

    [Fact]
    public async Task A_key_whose_push_never_answers_is_released_after_the_reservation_timeout_and_the_late_push_commits_nothing()
    {
        var s = await SetupAsync();
        var hooks = node.Services.GetRequiredService<PushHooks>();
        var options = node.Services.GetRequiredService<PushOptions>();
        var timeout = options.IdempotencyKeyReservationTimeout;
        options.IdempotencyKeyReservationTimeout = TimeSpan.FromSeconds(2);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // The first push stops between reserving its key and committing, as if its node had died there.
        hooks.AfterIdempotencyKeyReserved = async _ => { entered.TrySetResult(); await release.Task; };
        try
        {
            var key = Guid.NewGuid().ToString();
            var innerId = NewKey("INS");
            var body = new JsonArray(Instrument(innerId));
            var reservedAt = DateTime.UtcNow;
            var crashed = PushAsync(s.WriterA, "instruments", body, key);
            await entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
            hooks.AfterIdempotencyKeyReserved = null;

            // While reserved: 409, and the problem says from when the key can be used again.
            var waiting = await JsonOf(await PushAsync(s.WriterA, "instruments", body, key), HttpStatusCode.Conflict);
            var detail = waiting["detail"]!.GetValue<string>();
            var from = DateTime.Parse(System.Text.RegularExpressions.Regex.Match(detail, @"\d{4}-\d\d-\d\dT[0-9:.]+Z").Value,
                System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal);
            Assert.InRange(from, reservedAt.AddSeconds(2).AddSeconds(-1), DateTime.UtcNow.AddSeconds(2).AddSeconds(1));

            // After the bound the key answers again: this request runs the push.
            await Task.Delay(from - DateTime.UtcNow + TimeSpan.FromMilliseconds(200));
            var second = await JsonOf(await PushAsync(s.WriterA, "instruments", body, key), HttpStatusCode.OK);
            Assert.Equal(1, (int)second["created"]!);

            // The first push comes back to life: its reservation is gone, so it commits nothing.
            release.SetResult();
            var late = await JsonOf(await crashed, HttpStatusCode.Conflict);
            Assert.Contains("reservation", late["detail"]!.GetValue<string>());
            Assert.Equal(1L, await node.ScalarAsync<long>($"SELECT COUNT(*) FROM instruments WHERE inner_id = '{innerId}'"));
            using var replay = await PushAsync(s.WriterA, "instruments", body, key);
            Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
            Assert.Equal(second.ToJsonString(), JsonNode.Parse(await replay.Content.ReadAsStringAsync())!.ToJsonString());
        }
        finally
        {
            hooks.AfterIdempotencyKeyReserved = null;
            release.TrySetResult();
            options.IdempotencyKeyReservationTimeout = timeout;
        }
    }

    [Fact]
    public async Task Limits_are_413_problems_naming_the_limit()
    {
        var s = await SetupAsync();
        var options = node.Services.GetRequiredService<PushOptions>();
        var (items, bytes) = (options.MaxItems, options.MaxBytes);
        try
        {
            options.MaxItems = 2;
            var tooMany = await JsonOf(await PushAsync(s.WriterA, "instruments", new JsonArray(Instrument(NewKey("I")), Instrument(NewKey("I")), Instrument(NewKey("I")))), HttpStatusCode.RequestEntityTooLarge);
            Assert.Equal("Push:MaxItems", tooMany["limit"]!.GetValue<string>());
            Assert.Contains("2", tooMany["detail"]!.GetValue<string>());

            options.MaxItems = items;
            options.MaxBytes = 1000;
            var tooBig = await JsonOf(await PushAsync(s.WriterA, "instruments", new JsonArray(Instrument(NewKey("I")), Instrument(NewKey("I")), Instrument(NewKey("I")))), HttpStatusCode.RequestEntityTooLarge);
            Assert.Equal("Push:MaxBytes", tooBig["limit"]!.GetValue<string>());
        }
        finally
        {
            options.MaxItems = items;
            options.MaxBytes = bytes;
        }
    }

    [Theory]
    [InlineData("text/plain", "[]", HttpStatusCode.UnsupportedMediaType, null)]
    [InlineData("application/xml", "<a/>", HttpStatusCode.UnsupportedMediaType, null)]
    [InlineData("application/json", "[{\"innerId\": \"X\",", HttpStatusCode.BadRequest, "line 1")]
    [InlineData("application/json", "{\"innerId\": \"X\"}", HttpStatusCode.BadRequest, "array")]
    [InlineData("application/json", "[] []", HttpStatusCode.BadRequest, "after")]
    [InlineData("application/x-ndjson", "{\"externalId\":\"a\"}\n{oops}\n", HttpStatusCode.BadRequest, "Line 2")]
    [InlineData("application/json", "[{\"innerId\": \"X\", \"name\": {\"a\": 1, \"a\": 2}}]", HttpStatusCode.BadRequest, "'a'")]
    [InlineData("application/x-ndjson", "{\"innerId\":\"a\",\"innerId\":\"b\"}\n", HttpStatusCode.BadRequest, "innerId")]
    public async Task Bad_bodies_are_4xx_problems(string contentType, string body, HttpStatusCode expected, string? detail)
    {
        var s = await SetupAsync();
        using var response = await s.WriterA.PostAsync("/api/v1/push/instruments", new StringContent(body, Encoding.UTF8, contentType));
        var problem = await JsonOf(response, expected);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (detail is not null)
        {
            Assert.Contains(detail, problem["detail"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Invalid_utf8_is_a_400_naming_the_offset()
    {
        var s = await SetupAsync();
        var bytes = Encoding.UTF8.GetBytes("[{\"innerId\": \"X").Concat(new byte[] { 0xC3, 0x28 }).Concat(Encoding.UTF8.GetBytes("\"}]")).ToArray();
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var problem = await JsonOf(await s.WriterA.PostAsync("/api/v1/push/instruments", content), HttpStatusCode.BadRequest);
        Assert.Contains("UTF-8", problem["detail"]!.GetValue<string>());
        Assert.Equal(15, (int)problem["byteOffset"]!);
    }

    [Fact]
    public async Task A_unit_updates_its_confidential_instrument_and_pushes_service_on_it()
    {
        // The published filter hides confidential instruments from catalog readers, not from their own unit.
        var s = await SetupAsync();
        var innerId = NewKey("SEC");
        var secret = Instrument(innerId);
        secret["isConfidential"] = true;
        await JsonOf(await PushAsync(s.WriterA, "instruments", new JsonArray(secret)), HttpStatusCode.OK);
        var renamed = Instrument(innerId);
        renamed["isConfidential"] = true;
        renamed["name"] = "涉密仪器（更名）";
        var second = await JsonOf(await PushAsync(s.WriterA, "instruments", new JsonArray(renamed)), HttpStatusCode.OK);
        Assert.Equal((0, 1), ((int)second["created"]!, (int)second["updated"]!));
        Assert.Equal("涉密仪器（更名）", await node.ScalarAsync<string>($"SELECT name FROM instruments WHERE unit_id = '{s.A}' AND inner_id = '{innerId}'"));

        var offering = NewKey("OFF");
        await JsonOf(await PushAsync(s.WriterA, "service-offerings", new JsonArray(new JsonObject
        {
            ["externalId"] = offering, ["instrumentInnerId"] = innerId, ["name"] = "样品测试", ["kind"] = "testing", ["feeCny"] = 300, ["feeUnit"] = "sample",
        })), HttpStatusCode.OK);
        var record = Record(NewKey("REC"), innerId);
        record["serviceOfferingExternalId"] = offering;
        await JsonOf(await PushAsync(s.WriterA, "service-records", new JsonArray(record)), HttpStatusCode.OK);
        var again = await JsonOf(await PushAsync(s.WriterA, "service-records", new JsonArray(record.DeepClone())), HttpStatusCode.OK);
        Assert.Equal((0, 1), ((int)again["created"]!, (int)again["updated"]!));

        // Made public by its unit: the same row, now in the catalog.
        await JsonOf(await PushAsync(s.WriterA, "instruments", new JsonArray(Instrument(innerId))), HttpStatusCode.OK);
        Assert.Equal(1L, await node.ScalarAsync<long>($"SELECT COUNT(*) FROM instruments WHERE unit_id = '{s.A}' AND inner_id = '{innerId}' AND NOT is_confidential"));
        var published = JsonNode.Parse(await _anonymous.GetStringAsync($"/odata/Instruments?$filter=innerId eq '{innerId}'&$count=true"))!;
        Assert.Equal(1, (int)published["@odata.count"]!);
    }

    [Fact]
    public async Task Keys_that_are_not_text_values_past_storage_and_dates_at_the_calendars_end_are_answered_not_500()
    {
        var s = await SetupAsync();
        var innerId = await PushInstrumentAsync(s.WriterA);
        var before = await CountAsync("instruments", s.A);
        // A lone surrogate in a key (System.Text.Json will not read it as text), in each kind's key and in a reference;
        // a key with a control character. LONE and NUL stand for the escapes, written into the JSON text as such.
        foreach (var (kind, item, property) in new (string, JsonObject, string)[]
        {
            ("instruments", Instrument("LONE"), "/innerId"),
            ("service-records", Record("LONE", innerId), "/externalId"),
            ("service-records", Record(NewKey("REC"), "LONE"), "/instrumentInnerId"),
            ("sensors", new JsonObject { ["externalId"] = "LONE", ["format"] = "canonical", ["status"] = "active" }, "/externalId"),
            ("instruments", Instrument("A-NUL-KEY"), "/innerId"),
        })
        {
            foreach (var continueOnError in new[] { false, true })
            {
                var text = item.ToJsonString().Replace("\"LONE\"", "\"\\ud800\"").Replace("NUL", "\\u0000");
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/push/{kind}") { Content = new StringContent($"[{text}]", Encoding.UTF8, "application/json") };
                if (continueOnError)
                {
                    request.Headers.Add("Prefer", "odata.continue-on-error");
                }
                using var response = await s.WriterA.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                Assert.True((int)response.StatusCode is 422 or 200, $"{kind} {property}: {(int)response.StatusCode} {body}");
                var rejected = JsonNode.Parse(body)!["rejected"]!.AsArray();
                Assert.Contains(rejected[0]!["errors"]!.AsArray(), e => e!["path"]!.GetValue<string>() == property);
            }
        }

        // Amounts beyond 64-bit fen: a 422 naming the field, for a new row and for an existing one.
        foreach (var price in new[] { 1e17m, 92233720368547758.08m, 7922816251426433759354395033.5m })
        {
            foreach (var key in new[] { NewKey("INS"), innerId })
            {
                var problem = await JsonOf(await PushAsync(s.WriterA, "instruments", new JsonArray(Instrument(key, price))), HttpStatusCode.UnprocessableEntity);
                Assert.Equal("/priceCny", problem["rejected"]![0]!["errors"]![0]!["path"]!.GetValue<string>());
            }
        }
        var fee = Record(NewKey("REC"), innerId, 1e17m);
        var feeProblem = await JsonOf(await PushAsync(s.WriterA, "service-records", new JsonArray(fee)), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("/feeCny", feeProblem["rejected"]![0]!["errors"]![0]!["path"]!.GetValue<string>());
        // The largest amount stored is taken, and read back as it was sent.
        var richest = NewKey("INS");
        await JsonOf(await PushAsync(s.WriterA, "instruments", new JsonArray(Instrument(richest, 92233720368547758.07m))), HttpStatusCode.OK);
        Assert.Equal(long.MaxValue, await node.ScalarAsync<long>($"SELECT price_fen FROM instruments WHERE unit_id = '{s.A}' AND inner_id = '{richest}'"));

        // An acceptance date on the calendar's last day: its onboarding deadline is that day too.
        var late = Instrument(NewKey("INS"));
        late["acceptanceDate"] = "9999-12-31";
        await JsonOf(await PushAsync(s.WriterA, "instruments", new JsonArray(late)), HttpStatusCode.OK);
        Assert.Equal(before + 2, await CountAsync("instruments", s.A));
    }

    [Fact]
    public async Task Ndjson_is_accepted()
    {
        var s = await SetupAsync();
        var (a, b) = (NewKey("INS"), NewKey("INS"));
        var content = new StringContent(Instrument(a).ToJsonString() + "\n\n" + Instrument(b).ToJsonString() + "\r\n", Encoding.UTF8, "application/x-ndjson");
        var result = await JsonOf(await s.WriterA.PostAsync("/api/v1/push/instruments", content), HttpStatusCode.OK);
        Assert.Equal(2, (int)result["created"]!);
    }

    [Fact]
    public async Task Without_a_token_401_and_without_the_write_scope_403()
    {
        var s = await SetupAsync();
        var body = new JsonArray(Instrument(NewKey("INS")));
        using var anonymous = await PushAsync(_anonymous, "instruments", body);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var reader = await PushAsync(s.ReaderA, "instruments", body);
        Assert.Equal(HttpStatusCode.Forbidden, reader.StatusCode);
        using var catalogOnly = await PushAsync(s.CatalogOnlyA, "service-records", new JsonArray(Record(NewKey("REC"), "X")));
        Assert.Equal(HttpStatusCode.Forbidden, catalogOnly.StatusCode);
        using var catalog = await PushAsync(s.CatalogOnlyA, "instruments", body);
        Assert.Equal(HttpStatusCode.OK, catalog.StatusCode);
    }

    [Fact]
    public async Task Five_thousand_service_records_in_one_push()
    {
        var s = await SetupAsync();
        var innerId = await PushInstrumentAsync(s.WriterA);
        var batch = new JsonArray([.. Enumerable.Range(0, 5_000).Select(i => (JsonNode)Record($"BULK-{innerId}-{i}", innerId))]);
        var content = batch.ToJsonString();

        var watch = Stopwatch.StartNew();
        var created = await JsonOf(await s.WriterA.PostAsync("/api/v1/push/service-records", new StringContent(content, Encoding.UTF8, "application/json")), HttpStatusCode.OK);
        var insertMs = watch.ElapsedMilliseconds;
        watch.Restart();
        var updated = await JsonOf(await s.WriterA.PostAsync("/api/v1/push/service-records", new StringContent(content, Encoding.UTF8, "application/json")), HttpStatusCode.OK);
        var updateMs = watch.ElapsedMilliseconds;
        output.WriteLine($"{node.Provider}: 5,000 service records created in {insertMs} ms, updated in {updateMs} ms");

        Assert.Equal(5_000, (int)created["created"]!);
        Assert.Equal(5_000, (int)updated["updated"]!);
        Assert.Equal(5_000L, await node.ScalarAsync<long>($"SELECT COUNT(*) FROM service_records WHERE external_id LIKE 'BULK-{innerId}-%'"));
    }

    [Fact]
    public async Task Items_past_the_first_chunks_decide_too_and_nothing_of_a_refused_batch_stays()
    {
        // The push checks and writes service records in chunks (PushService.ChunkSize) inside one transaction: an invalid
        // item in a late chunk must still refuse the rows already sent for the earlier chunks, and with continue-on-error
        // only it is left out. Updates and creations mix across chunks; an Idempotency-Key replays the 422.
        var s = await SetupAsync();
        var innerId = await PushInstrumentAsync(s.WriterA);
        var prefix = NewKey("CHK");
        var existing = await JsonOf(await PushAsync(s.WriterA, "service-records",
            new JsonArray([.. Enumerable.Range(0, 300).Select(i => (JsonNode)Record($"{prefix}-{i * 4}", innerId))])), HttpStatusCode.OK);
        Assert.Equal(300, (int)existing["created"]!);

        JsonArray Batch() => new([.. Enumerable.Range(0, 1_200).Select(i =>
        {
            var record = Record($"{prefix}-{i}", innerId, fee: 900m);
            if (i == 1_150)
            {
                record["voucherAmountCny"] = 1000; // more than the fee, in the third chunk
            }
            return (JsonNode)record;
        })]);
        var key = Guid.NewGuid().ToString();
        var problem = await JsonOf(await PushAsync(s.WriterA, "service-records", Batch(), idempotencyKey: key), HttpStatusCode.UnprocessableEntity);
        Assert.Equal(1_150, (int)Assert.Single(problem["rejected"]!.AsArray())!["index"]!);
        Assert.Equal(300L, await node.ScalarAsync<long>($"SELECT COUNT(*) FROM service_records WHERE external_id LIKE '{prefix}-%'"));
        Assert.Equal(0L, await node.ScalarAsync<long>($"SELECT COUNT(*) FROM service_records WHERE external_id LIKE '{prefix}-%' AND fee_fen = 90000"));
        using (var replay = await PushAsync(s.WriterA, "service-records", Batch(), idempotencyKey: key))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, replay.StatusCode);
            Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        }

        var result = await JsonOf(await PushAsync(s.WriterA, "service-records", Batch(), continueOnError: true), HttpStatusCode.OK);
        Assert.Equal(1_199, (int)result["accepted"]!);
        Assert.Equal(899, (int)result["created"]!);
        Assert.Equal(300, (int)result["updated"]!);
        Assert.Equal(1_150, (int)Assert.Single(result["rejected"]!.AsArray())!["index"]!);
        Assert.Equal(1_199L, await node.ScalarAsync<long>($"SELECT COUNT(*) FROM service_records WHERE external_id LIKE '{prefix}-%'"));
        Assert.Equal(1_199L, await node.ScalarAsync<long>($"SELECT COUNT(*) FROM service_records WHERE external_id LIKE '{prefix}-%' AND fee_fen = 90000"));
        Assert.Equal(0L, await node.ScalarAsync<long>($"SELECT COUNT(*) FROM service_records WHERE external_id = '{prefix}-1150'"));
    }
}

public sealed class SqlitePushApiTests(SqliteNode node, ITestOutputHelper output) : PushApiTests(node, output), IClassFixture<SqliteNode>;

public sealed class PostgreSqlPushApiTests(PostgreSqlNode node, ITestOutputHelper output) : PushApiTests(node, output), IClassFixture<PostgreSqlNode>;
