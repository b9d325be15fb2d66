using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Commands;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;

namespace DxyqOpenData.Tests.Supervision;

/// <summary>
/// The working-day calendar and rule 2's deadlines over HTTP with real tokens: deadlines across public holidays and
/// adjusted working weekends (checked against an independent reading of the shipped calendar file and hand-worked
/// cases), Beijing dates at 23:30 UTC, late onboarding, a missing year marked provisional until an administrator imports
/// its notice (route and command), with the health check and the metric following.
/// </summary>
public abstract class CalendarTests(DatabaseProvider provider)
{
    private static readonly DateTimeOffset December2026 = new(2026, 12, 6, 2, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Onboarding_deadlines_follow_holidays_and_adjusted_weekends()
    {
        await using var s = await SupervisionNode.StartAsync(provider, December2026);
        // Generated acceptance dates over the years the file holds, and two worked by hand:
        // 2026-01-05 + 30: 6-30 January 19, 2-13 February 10, Saturday 14 February (调休) the 30th.
        // 2024-09-20 + 30: National Day 1-7 October skipped, Sunday 29 September and Saturday 12 October worked → 6 November.
        var random = new Random(15);
        var cases = new List<(string InnerId, DateOnly Acceptance, DateOnly Expected)>
        {
            ("HAND-1", new DateOnly(2026, 1, 5), new DateOnly(2026, 2, 14)),
            ("HAND-2", new DateOnly(2024, 9, 20), new DateOnly(2024, 11, 6)),
        };
        var calendar = ShippedCalendar.Read();
        for (var i = 0; i < 30; i++)
        {
            var acceptance = new DateOnly(2019, 1, 1).AddDays(random.Next(0, 365 * 7 + 300));
            cases.Add(($"GEN-{i}", acceptance, calendar.AddWorkingDays(acceptance, 30)));
        }
        await s.PushAsync(s.WriterA, "instruments", cases.Select(c => SupervisionNode.Instrument(c.InnerId, c.Acceptance.ToString("yyyy-MM-dd"))).ToArray());
        foreach (var (innerId, acceptance, expected) in cases)
        {
            var instrument = await s.InstrumentAsync(innerId);
            Assert.True(expected.ToString("yyyy-MM-dd") == instrument["onboardingDueDate"]!.GetValue<string>(), $"{innerId} accepted {acceptance}");
            Assert.False(instrument["onboardingDueProvisional"]!.GetValue<bool>());
        }
    }

    [Fact]
    public async Task Beijing_dates_decide_lateness_and_the_sensor_deadline()
    {
        // 23:30 UTC on Monday 5 January 2026 is Tuesday 6 January in Beijing.
        await using var s = await SupervisionNode.StartAsync(provider, new DateTimeOffset(2026, 1, 5, 23, 30, 0, TimeSpan.Zero));
        // Accepted Friday 2025-11-21: 24 Nov-31 Dec 28 working days, 1-3 January off, Sunday 4 January (调休) the 29th,
        // Monday 5 January the 30th: due 2026-01-05. Onboarded on the 6th (Beijing): 1 working day late; by the UTC
        // date it would have been on time.
        await s.PushAsync(s.WriterA, "instruments", SupervisionNode.Instrument("EDGE-1", "2025-11-21"));
        // Accepted Monday 2025-11-24: due 2026-01-06 (a day later): onboarded on its deadline, not late.
        await s.PushAsync(s.WriterA, "instruments", SupervisionNode.Instrument("EDGE-2", "2025-11-24"));
        var late = await s.InstrumentAsync("EDGE-1");
        Assert.Equal("2026-01-05", late["onboardingDueDate"]!.GetValue<string>());
        Assert.Equal(1, late["onboardingLateDays"]!.GetValue<int>());
        // Sensor: 30 working days after Tuesday 6 January: 7 Jan-13 Feb 28, Saturday 14 February (调休) 29, Spring
        // Festival 15-23 February off, Tuesday 24 February the 30th (from the UTC date it would be 14 February).
        Assert.Equal("2026-02-24", late["sensorDueDate"]!.GetValue<string>());
        Assert.Equal("2026-04-06", late["serviceInfoDueDate"]!.GetValue<string>());
        var onTime = await s.InstrumentAsync("EDGE-2");
        Assert.Equal("2026-01-06", onTime["onboardingDueDate"]!.GetValue<string>());
        Assert.Equal(0, onTime["onboardingLateDays"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_missing_year_is_provisional_until_its_notice_is_imported()
    {
        await using var s = await SupervisionNode.StartAsync(provider, December2026);
        var health = await s.HealthAsync();
        Assert.Equal("Degraded", health["status"]!.GetValue<string>());
        var check = health["checks"]!["calendar"]!;
        Assert.Equal("Degraded", check["status"]!.GetValue<string>());
        Assert.Equal([2027], check["data"]!["missingYears"]!.AsArray().Select(y => y!.GetValue<int>()));
        Assert.Contains("2027", check["description"]!.GetValue<string>());

        // Accepted Tuesday 2026-12-01: 2-31 December give 22 working days; 2027 is not held, so Friday 1 January counts
        // (23), 4-8 January (28), 11 and 12 January: due 2027-01-12, provisional.
        await s.PushAsync(s.WriterA, "instruments", SupervisionNode.Instrument("MISS-1", "2026-12-01"));
        // Accepted 2026-06-01: its onboarding deadline lies wholly in 2026; only its sensor deadline reaches 2027.
        await s.PushAsync(s.WriterA, "instruments", SupervisionNode.Instrument("MISS-2", "2026-06-01"));
        var provisional = await s.InstrumentAsync("MISS-1");
        Assert.Equal("2027-01-12", provisional["onboardingDueDate"]!.GetValue<string>());
        Assert.True(provisional["onboardingDueProvisional"]!.GetValue<bool>());
        // Onboarded today (6 December 2026): the sensor deadline, 30 working days on, reaches into 2027 too.
        Assert.True(provisional["sensorDueProvisional"]!.GetValue<bool>());
        Assert.False((await s.InstrumentAsync("MISS-2"))["onboardingDueProvisional"]!.GetValue<bool>());
        Assert.Equal(2, (await s.HealthAsync())["checks"]!["calendar"]!["data"]!["provisionalDeadlines"]!.GetValue<int>());

        // A unit cannot load a notice; a wrong notice is a 400 naming each field, and changes nothing.
        var notice2027 = new JsonObject
        {
            ["year"] = 2027,
            ["holidays"] = new JsonArray(new JsonObject { ["name"] = "元旦", ["from"] = "2027-01-01", ["to"] = "2027-01-03" }),
            ["workingWeekends"] = new JsonArray(),
        };
        await SupervisionNode.Ok(await s.WriterA.PutAsync("/api/v1/calendar/years/2027", SupervisionNode.Json(notice2027)), HttpStatusCode.Forbidden);
        var wrong = JsonNode.Parse(notice2027.ToJsonString())!.AsObject();
        wrong["workingWeekends"] = new JsonArray("2027-01-05");
        wrong["holidays"]![0]!["to"] = "2026-12-30";
        var problem = await SupervisionNode.Ok(await s.Admin.PutAsync("/api/v1/calendar/years/2027", SupervisionNode.Json(wrong)), HttpStatusCode.BadRequest);
        Assert.Equal("urn:dxyq:problem:validation", problem["type"]!.GetValue<string>());
        Assert.NotNull(problem["errors"]!["workingWeekends[0]"]);
        Assert.NotNull(problem["errors"]!["holidays[0].to"]);
        await SupervisionNode.Ok(await s.Admin.PutAsync("/api/v1/calendar/years/2026", SupervisionNode.Json(notice2027)), HttpStatusCode.BadRequest);
        Assert.True((await s.InstrumentAsync("MISS-1"))["onboardingDueProvisional"]!.GetValue<bool>());

        // With the notice (1-3 January off): 1 January no longer counts, 4-8 January 27, 11-13 January: 2027-01-13.
        // The sensor deadlines from Sunday 6 December: 19 working days in December, 4-15 January 29, Monday 18 January
        // (was 15 January while 1 January counted). Both instruments recomputed.
        var result = await SupervisionNode.Ok(await s.Admin.PutAsync("/api/v1/calendar/years/2027", SupervisionNode.Json(notice2027)));
        Assert.Equal(2, result["instrumentsRecomputed"]!.GetValue<int>());
        var settled = await s.InstrumentAsync("MISS-1");
        Assert.Equal("2027-01-13", settled["onboardingDueDate"]!.GetValue<string>());
        Assert.False(settled["onboardingDueProvisional"]!.GetValue<bool>());
        Assert.False(settled["sensorDueProvisional"]!.GetValue<bool>());
        Assert.Equal("2027-01-18", settled["sensorDueDate"]!.GetValue<string>());
        Assert.Equal("2027-01-18", (await s.InstrumentAsync("MISS-2"))["sensorDueDate"]!.GetValue<string>());
        var after = await s.HealthAsync();
        Assert.Equal("Healthy", after["checks"]!["calendar"]!["status"]!.GetValue<string>());
        Assert.Equal(0, after["checks"]!["calendar"]!["data"]!["provisionalDeadlines"]!.GetValue<int>());
        var years = await s.Node.CreateClient().GetJsonAsync("/api/v1/calendar/years");
        Assert.Contains(years["years"]!.AsArray(), y => y!["year"]!.GetValue<int>() == 2027 && y["source"]!.GetValue<string>() == "imported");
        Assert.Empty(years["missingYears"]!.AsArray());
    }

    [Fact]
    public async Task The_calendar_command_imports_a_file_without_a_restart()
    {
        await using var s = await SupervisionNode.StartAsync(provider, December2026);
        await s.PushAsync(s.WriterA, "instruments", SupervisionNode.Instrument("CMD-1", "2026-12-01"));
        var file = Path.Combine(Path.GetTempPath(), $"dxyq-calendar-{Guid.NewGuid():N}.json");
        // 2027 with a longer New Year (1-5 January) and Saturday 9 January worked: 22 working days in December, 6-8
        // January 25, Saturday 9 January 26, 11-14 January 30: due 2027-01-14.
        await File.WriteAllTextAsync(file, """
            { "years": [ { "year": 2027, "holidays": [ { "name": "元旦", "from": "2027-01-01", "to": "2027-01-05" } ], "workingWeekends": [ "2027-01-09" ] } ] }
            """);
        try
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            Assert.Equal(0, await CalendarCommand.RunAsync(s.Node.Services, ["import", file], stdout, stderr));
            Assert.Equal(1, JsonDocument.Parse(stdout.ToString()).RootElement.GetProperty("instrumentsRecomputed").GetInt32());
            Assert.Equal("2027-01-14", (await s.InstrumentAsync("CMD-1"))["onboardingDueDate"]!.GetValue<string>());

            await File.WriteAllTextAsync(file, """{ "years": [ { "year": 2027, "holidays": [], "workingWeekends": [ "2027-01-06" ] } ] }""");
            Assert.Equal(1, await CalendarCommand.RunAsync(s.Node.Services, ["import", file], new StringWriter(), stderr));
            Assert.Contains("workingWeekends[0]", stderr.ToString());
            Assert.Equal("2027-01-14", (await s.InstrumentAsync("CMD-1"))["onboardingDueDate"]!.GetValue<string>());
        }
        finally
        {
            File.Delete(file);
        }
    }
}

/// <summary>An independent reading of the shipped calendar file: a plain loop over its dates, not the node's code.</summary>
internal sealed class ShippedCalendar
{
    private readonly HashSet<DateOnly> _off = [];
    private readonly HashSet<DateOnly> _on = [];

    public static ShippedCalendar Read()
    {
        var calendar = new ShippedCalendar();
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoRoot.Path, "api", "Data", "Reference", "calendar.json")))!;
        foreach (var year in json["years"]!.AsArray())
        {
            foreach (var holiday in year!["holidays"]!.AsArray())
            {
                for (var d = DateOnly.Parse(holiday!["from"]!.GetValue<string>()); d <= DateOnly.Parse(holiday["to"]!.GetValue<string>()); d = d.AddDays(1))
                {
                    calendar._off.Add(d);
                }
            }
            foreach (var day in year["workingWeekends"]!.AsArray())
            {
                calendar._on.Add(DateOnly.Parse(day!.GetValue<string>()));
            }
        }
        return calendar;
    }

    public DateOnly AddWorkingDays(DateOnly start, int days)
    {
        var d = start;
        while (days > 0)
        {
            d = d.AddDays(1);
            var weekend = d.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
            if (_on.Contains(d) || (!weekend && !_off.Contains(d)))
            {
                days--;
            }
        }
        return d;
    }
}

public sealed class SqliteCalendarTests() : CalendarTests(DatabaseProvider.Sqlite);

public sealed class PostgreSqlCalendarTests() : CalendarTests(DatabaseProvider.PostgreSql);
