using System.Net;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Supervision;

namespace DxyqOpenData.Tests.Reports;

/// <summary>
/// GET /api/v1/reports/shares/{year} over HTTP with real tokens, on instruments and service records pushed through the
/// push API (today: 1 March 2026), the figures worked out by hand below: the domestic share (countryOfOrigin CN) of the
/// instruments bought, of their value and of machine hours, year on year (rule 14); each unit's share of newly bought
/// general-purpose instruments in its shared facility against 65 %, unit A exactly at it, unit B below (rule 6); years
/// without purchases (no division by zero); 400 for a bad year; CSV equal to JSON.
/// </summary>
public abstract class SharesReportTests(DatabaseProvider provider)
{
    private static JsonObject Bought(string innerId, string? purchase, string acceptance, string country, string type, bool shared, decimal price)
    {
        var instrument = SupervisionNode.Instrument(innerId, acceptance);
        if (purchase is not null)
        {
            instrument["purchaseDate"] = purchase;
        }
        instrument["countryOfOrigin"] = country;
        instrument["instrumentType"] = type;
        instrument["inSharedFacility"] = shared;
        instrument["priceCny"] = price;
        return instrument;
    }

    private static async Task<SupervisionNode> FixtureAsync(DatabaseProvider provider)
    {
        var s = await SupervisionNode.StartAsync(provider, ReviewFixture.Beijing(2026, 3, 1, 10));
        // Unit A, 2025: 20 general-purpose at 400,000 (G01–G08 domestic, G09–G20 American; G01–G13 in the shared facility),
        // 2 special-purpose at 2,000,000 (S1 domestic, S2 German), none shared.
        var a = Enumerable.Range(1, 20).Select(i => Bought($"A-G{i:00}", "2025-05-10", "2025-06-10", i <= 8 ? "CN" : "US", "general", i <= 13, 400_000m))
            .Append(Bought("A-S1", "2025-02-01", "2025-03-01", "CN", "special", false, 2_000_000m))
            .Append(Bought("A-S2", "2025-12-31", "2026-01-20", "DE", "special", false, 2_000_000m)).ToArray();
        await s.PushAsync(s.WriterA, "instruments", a);
        // Unit B, 2025: 3 general-purpose at 500,000 (2 domestic, 1 Japanese; one shared). 2024: 4 general-purpose at
        // 500,000, none shared, 1 domestic (P2 has no purchase date: its acceptance, 2024, counts). 2023: O1, domestic,
        // bought 20 December 2023 though accepted in 2024.
        await s.PushAsync(s.WriterB, "instruments",
            Bought("B-1", "2025-01-01", "2025-02-01", "CN", "general", true, 500_000m), Bought("B-2", "2025-08-01", "2025-09-01", "CN", "general", false, 500_000m),
            Bought("B-3", "2025-08-01", "2025-09-01", "JP", "general", false, 500_000m),
            Bought("B-P1", "2024-03-01", "2024-04-01", "CN", "general", false, 500_000m), Bought("B-P2", null, "2024-06-01", "US", "general", false, 500_000m),
            Bought("B-P3", "2024-12-31", "2025-01-15", "US", "general", false, 500_000m), Bought("B-P4", "2024-01-01", "2024-02-01", "US", "general", false, 500_000m),
            Bought("B-O1", "2023-12-20", "2024-02-01", "CN", "general", false, 500_000m));
        // Machine hours (no sensors: service records): 2025 domestic A-G01 6 h, imported A-G10 4 h; 2024 domestic B-P1 1 h,
        // imported B-P2 3 h.
        await s.PushAsync(s.WriterA, "service-records",
            AlertSweepTests.Record("H1", "A-G01", "2025-07-01T09:00:00+08:00", "2025-07-01T15:00:00+08:00", 6),
            AlertSweepTests.Record("H2", "A-G10", "2025-07-02T09:00:00+08:00", "2025-07-02T13:00:00+08:00", 4));
        await s.PushAsync(s.WriterB, "service-records",
            AlertSweepTests.Record("H3", "B-P1", "2024-07-01T09:00:00+08:00", "2024-07-01T10:00:00+08:00", 1),
            AlertSweepTests.Record("H4", "B-P2", "2024-07-02T09:00:00+08:00", "2024-07-02T12:00:00+08:00", 3));
        return s;
    }

    private static void Share(JsonNode? row, string measure, double domestic, double total, double? share, double previousDomestic, double previousTotal,
        double? previousShare, double? change, bool? rising)
    {
        Assert.Equal(measure, row!["measure"]!.GetValue<string>());
        Assert.Equal((domestic, total, share), (row["domestic"]!.GetValue<double>(), row["total"]!.GetValue<double>(), row["share"]?.GetValue<double>()));
        Assert.Equal((previousDomestic, previousTotal, previousShare),
            (row["previousDomestic"]!.GetValue<double>(), row["previousTotal"]!.GetValue<double>(), row["previousShare"]?.GetValue<double>()));
        Assert.Equal((change, rising), (row["change"]?.GetValue<double>(), row["rising"]?.GetValue<bool>()));
    }

    [Fact]
    public async Task Domestic_and_shared_facility_shares_worked_by_hand_with_a_unit_exactly_at_65_percent()
    {
        await using var s = await FixtureAsync(provider);
        var report = await s.Admin.GetJsonAsync("/api/v1/reports/shares/2025");
        Assert.Equal(("2025-01-01", "2025-12-31", "2024-01-01", "2024-12-31"), (report["from"]!.GetValue<string>(), report["to"]!.GetValue<string>(),
            report["previousFrom"]!.GetValue<string>(), report["previousTo"]!.GetValue<string>()));
        Assert.Equal(0.65, report["sharedFacilityTarget"]!.GetValue<double>());
        Assert.NotEmpty(report["rules"]!.AsArray());
        var domestic = report["domestic"]!.AsArray();
        // 2025: 25 bought (A 20 + 2, B 3), domestic 8 + 1 + 2 = 11: 0.44. 2024: B-P1..P4, domestic 1: 0.25 (B-O1 is 2023's).
        Share(domestic[0], "instruments", 11, 25, 0.44, 1, 4, 0.25, 0.19, true);
        // Value 2025: 20 × 400,000 + 2 × 2,000,000 + 3 × 500,000 = 13,500,000; domestic 8 × 400,000 + 2,000,000 + 2 × 500,000
        // = 6,200,000: 0.459259 → 0.4593. 2024: 500,000 of 2,000,000 = 0.25. Change 0.2093.
        Share(domestic[1], "priceCny", 6_200_000, 13_500_000, 0.4593, 500_000, 2_000_000, 0.25, 0.2093, true);
        // Hours 2025: 6 of 10 = 0.6; 2024: 1 of 4 = 0.25; change 0.35.
        Share(domestic[2], "machineHours", 6, 10, 0.6, 1, 4, 0.25, 0.35, true);

        // Rule 6, 2025: A 13 of 20 general-purpose = 0.65, exactly the target: not below. B 1 of 3 = 0.3333: below.
        var units = report["units"]!.AsArray();
        Assert.Equal([SupervisionNode.UnitA, SupervisionNode.UnitB], units.Select(u => u!["unitId"]!.GetValue<string>()));
        Assert.Equal((20, 13, 0.65, false), (units[0]!["generalBought"]!.GetValue<int>(), units[0]!["inSharedFacility"]!.GetValue<int>(),
            units[0]!["share"]!.GetValue<double>(), units[0]!["belowTarget"]!.GetValue<bool>()));
        Assert.Equal((3, 1, 0.3333, true), (units[1]!["generalBought"]!.GetValue<int>(), units[1]!["inSharedFacility"]!.GetValue<int>(),
            units[1]!["share"]!.GetValue<double>(), units[1]!["belowTarget"]!.GetValue<bool>()));
        Assert.Equal([SupervisionNode.UnitB], report["unitsBelowTarget"]!.AsArray().Select(u => u!.GetValue<string>()));

        var csv = await ReportCsvAssert.SameAsJsonAsync(s.Admin, "/api/v1/reports/shares/2025", "shares");
        Assert.Equal(6, csv.Count); // header, 3 domestic measures, 2 units
    }

    [Fact]
    public async Task Years_without_purchases_have_no_share_and_bad_years_are_400()
    {
        await using var s = await FixtureAsync(provider);
        // 2024: 4 bought, against 2023's 1 (B-O1, domestic): 0.25 − 1 = −0.75, falling. Hours: 2023 none, so no share and no change.
        var y2024 = await s.Admin.GetJsonAsync("/api/v1/reports/shares/2024");
        Share(y2024["domestic"]![0], "instruments", 1, 4, 0.25, 1, 1, 1, -0.75, false);
        Share(y2024["domestic"]![2], "machineHours", 1, 4, 0.25, 0, 0, null, null, null);
        Assert.Equal([SupervisionNode.UnitB], y2024["unitsBelowTarget"]!.AsArray().Select(u => u!.GetValue<string>())); // 0 of 4 shared

        // 2022: nothing bought, nothing used, neither in 2021: every share null, no unit.
        var y2022 = await s.Admin.GetJsonAsync("/api/v1/reports/shares/2022");
        foreach (var (row, measure) in y2022["domestic"]!.AsArray().Zip(new[] { "instruments", "priceCny", "machineHours" }))
        {
            Share(row, measure, 0, 0, null, 0, 0, null, null, null);
        }
        Assert.Empty(y2022["units"]!.AsArray());
        Assert.Empty(y2022["unitsBelowTarget"]!.AsArray());
        await ReportCsvAssert.SameAsJsonAsync(s.Admin, "/api/v1/reports/shares/2022", "shares", byAccept: true);
        // 2023: 1 bought against none in 2022: a share, but no change.
        Share((await s.Admin.GetJsonAsync("/api/v1/reports/shares/2023"))["domestic"]![0], "instruments", 1, 1, 1, 0, 0, null, null, null);

        foreach (var year in new[] { "1999", "2027", "two", "2025.0" })
        {
            var problem = await SupervisionNode.Ok(await s.Admin.GetAsync($"/api/v1/reports/shares/{year}"), HttpStatusCode.BadRequest);
            Assert.NotNull(problem["errors"]!["year"]);
        }
        await SupervisionNode.Ok(await s.ReaderB.GetAsync("/api/v1/reports/shares/2025"), HttpStatusCode.Forbidden);
    }
}

public sealed class SqliteSharesReportTests() : SharesReportTests(DatabaseProvider.Sqlite);

public sealed class PostgreSqlSharesReportTests() : SharesReportTests(DatabaseProvider.PostgreSql);
