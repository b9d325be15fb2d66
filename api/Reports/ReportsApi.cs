using System.Globalization;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Data.Reference;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Api.Security;
using DxyqOpenData.Api.Supervision;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Reports;

/// <summary><c>/api/v1/reports</c>: supervision's figures. Administrators see every unit, a unit's client its own.</summary>
public static class ReportsApi
{
    /// <summary>One group of the utilization report: its key, a readable name where there is one, and its figures.</summary>
    public sealed record UtilizationItem(string Key, string? Name, int Instruments, double EffectiveHours, double ExternalHours, double RatedHours,
        double? UsageRate, double? SharingRate);

    /// <summary>The report: its period and grouping, the rules it used, when it was computed, and the groups.</summary>
    public sealed record Utilization(DateOnly From, DateOnly To, string GroupBy, string? UnitId, IReadOnlyList<string> Rules, DateTime ComputedAt,
        IReadOnlyList<UtilizationItem> Value);

    /// <summary>The longest period one report covers.</summary>
    public const int MaxDays = 3_660;

    private static readonly Dictionary<string, UtilizationGrouping> Groupings = new(StringComparer.Ordinal)
    {
        ["instrument"] = UtilizationGrouping.Instrument,
        ["unit"] = UtilizationGrouping.Unit,
        ["region"] = UtilizationGrouping.Region,
        ["city"] = UtilizationGrouping.City,
        ["category"] = UtilizationGrouping.Category,
    };

    public static IEndpointRouteBuilder MapReports(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/reports/utilization", UtilizationAsync)
            .RequireAuthorization(Policies.UnitRecords)
            .WithTags("Supervision")
            .WithReportCsv("utilization")
            .Produces<Utilization>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithName("GetUtilizationReport")
            .WithSummary("Usage rate (effective ÷ rated hours) and sharing rate (hours for users outside the unit ÷ effective hours) over from..to (Beijing dates, both included), groupBy instrument|unit|region (county)|city|category, computed in the database. JSON, or CSV with format=csv or Accept: text/csv. Administrators: every unit (unitId narrows); a unit's client (records.read): its own.");
        app.MapProvinceReports();
        app.MapRewardsReport();
        return app;
    }

    private static async Task<Results<Ok<Utilization>, ProblemHttpResult>> UtilizationAsync(
        HttpContext http, CatalogDbContext db, SupervisionOptions options, TimeProvider clock, string? from, string? to, string? groupBy,
        string? unitId, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var start = Date(from, "from", errors);
        var end = Date(to, "to", errors);
        if (start is { } s && end is { } e && (e < s || e.DayNumber - s.DayNumber >= MaxDays))
        {
            errors["to"] = [e < s ? $"to ({e:yyyy-MM-dd}) is before from ({s:yyyy-MM-dd})." : $"A report covers at most {MaxDays} days."];
        }
        var groupName = groupBy ?? "unit";
        if (!Groupings.TryGetValue(groupName, out var grouping))
        {
            errors["groupBy"] = [$"groupBy must be one of {string.Join(", ", Groupings.Keys)}."];
        }
        var own = http.User.HasScope(Scopes.Admin) ? null : http.User.UnitId();
        if (own is not null && unitId is not null && unitId != own)
        {
            errors["unitId"] = [$"A unit's client reads only its own unit ({own})."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, type: ProblemTypes.Validation, title: "Invalid report request",
                detail: string.Join(" ", errors.SelectMany(x => x.Value)), extensions: new Dictionary<string, object?> { ["errors"] = errors });
        }
        var unit = own ?? unitId;
        var now = clock.GetUtcNow().UtcDateTime;
        var rows = await UtilizationReport.RunAsync(db, grouping, start!.Value, end!.Value, unit, options.DefaultRatedHoursPerYear,
            now, cancellationToken);
        var names = await NamesAsync(db, grouping, rows, cancellationToken);
        var items = rows.Select(r =>
        {
            var key = grouping == UtilizationGrouping.Instrument ? Guid.Parse(r.Key).ToString() : r.Key;
            return new UtilizationItem(key, names.GetValueOrDefault(key), r.Instruments, r.EffectiveHours, r.ExternalHours, r.RatedHours, r.UsageRate, r.SharingRate);
        }).ToList();
        return TypedResults.Ok(new Utilization(start.Value, end.Value, groupName, unit, RulesUsed(options.DefaultRatedHoursPerYear), now, items));
    }

    private static DateOnly? Date(string? value, string name, Dictionary<string, string[]> errors)
    {
        if (value is null)
        {
            errors[name] = [$"{name} is required: a date, YYYY-MM-DD (Beijing)."];
            return null;
        }
        if (!DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) || date.Year < 2000)
        {
            errors[name] = [$"{name} '{value}' is not a date YYYY-MM-DD from 2000 on."];
            return null;
        }
        return date;
    }

    /// <summary>Readable names for the keys: units and instruments from the database, regions from the GB/T 2260 data.</summary>
    private static async Task<Dictionary<string, string>> NamesAsync(CatalogDbContext db, UtilizationGrouping grouping, List<UtilizationRow> rows, CancellationToken cancellationToken)
    {
        switch (grouping)
        {
            case UtilizationGrouping.Unit:
                var units = rows.Select(r => r.Key).ToList();
                return await db.Units.AsNoTracking().Where(u => units.Contains(u.Id)).ToDictionaryAsync(u => u.Id.Trim(), u => u.Name, cancellationToken);
            case UtilizationGrouping.Instrument:
                var ids = rows.Select(r => Guid.Parse(r.Key)).ToList();
                return await db.Instruments.IgnoreQueryFilters([Instrument.PublishedFilter]).AsNoTracking().Where(i => ids.Contains(i.Id))
                    .ToDictionaryAsync(i => i.Id.ToString(), i => $"{i.Name}（{i.InnerId}）", cancellationToken);
            case UtilizationGrouping.Region:
                return rows.Select(r => (r.Key, Regions.Default.County(r.Key)?.Name)).Where(x => x.Name is not null).ToDictionary(x => x.Key, x => x.Name!);
            case UtilizationGrouping.City:
                return Regions.Default.Provinces.SelectMany(p => p.Cities).ToDictionary(c => c.Code, c => c.Name);
            default:
                return [];
        }
    }

    private static IReadOnlyList<string> RulesUsed(double defaultRatedHours) =>
    [
        "usage rate = effective hours ÷ rated hours; sharing rate = hours for users outside the unit ÷ effective hours (docs/supervision.md)",
        "effective hours: sensor runs where the instrument has a sensor, else service records; cut by the period pro rata",
        string.Create(CultureInfo.InvariantCulture,
            $"rated hours: the instrument's yearly figure, else {defaultRatedHours} h a year, pro rata by the Beijing days onboarded and not scrapped"),
    ];
}
