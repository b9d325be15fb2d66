using System.Text.Json;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Data.Reference;
using DxyqOpenData.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Supervision;

/// <summary>The working-day calendar over HTTP: anyone reads it, administrators load a year's notice without a restart.</summary>
public static class CalendarApi
{
    public sealed record CalendarYearInfo(int Year, string Source, DateTime UpdatedAt);

    /// <summary>The years held, and those a deadline computed today may reach that the calendar lacks.</summary>
    public sealed record CalendarYears(IReadOnlyList<CalendarYearInfo> Years, IReadOnlyList<int> MissingYears);

    public static IEndpointRouteBuilder MapCalendar(this IEndpointRouteBuilder app)
    {
        var calendar = app.MapGroup("/api/v1/calendar").WithTags("Supervision");

        calendar.MapGet("/years", ListAsync)
            .RequireAuthorization(Policies.PublicCatalog)
            .WithName("ListCalendarYears")
            .WithSummary("The years whose holiday notice the working-day calendar holds (source shipped|imported), and the years a deadline computed today may reach that it lacks (deadlines counting their days are provisional).");

        calendar.MapGet("/years/{year:int}", GetAsync)
            .RequireAuthorization(Policies.PublicCatalog)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("GetCalendarYear")
            .WithSummary("One year's notice: holidays (name, from, to) and adjusted working weekends.");

        calendar.MapPut("/years/{year:int}", PutAsync)
            .RequireAuthorization(Policies.Scope(Scopes.Admin))
            .Accepts<CalendarNotice>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithName("PutCalendarYear")
            .WithSummary("Loads (or replaces) a year's notice and recomputes every deadline that counts a day of it, at once and on every node. Admin scope.");
        return app;
    }

    private static async Task<Ok<CalendarYears>> ListAsync(CatalogDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var years = await db.Set<CalendarYear>().AsNoTracking().OrderBy(y => y.Year)
            .Select(y => new CalendarYearInfo(y.Year, y.Source, y.UpdatedAt)).ToListAsync(cancellationToken);
        var held = years.Select(y => y.Year).ToHashSet();
        var missing = CalendarReadyCheck.YearsNeeded(BeijingTime.DateOf(clock.GetUtcNow())).Where(y => !held.Contains(y)).ToList();
        return TypedResults.Ok(new CalendarYears(years.Select(y => y with { UpdatedAt = DateTime.SpecifyKind(y.UpdatedAt, DateTimeKind.Utc) }).ToList(), missing));
    }

    private static async Task<Results<Ok<CalendarNotice>, ProblemHttpResult>> GetAsync(int year, CatalogDbContext db, CancellationToken cancellationToken)
    {
        var notice = await db.Set<CalendarYear>().AsNoTracking().Where(y => y.Year == year).Select(y => y.Notice).SingleOrDefaultAsync(cancellationToken);
        return notice is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, type: ProblemTypes.NotFound, title: "Not found",
                detail: $"The calendar holds no notice for {year}: its weekdays count as working days, and deadlines counting them are provisional.")
            : TypedResults.Ok(JsonSerializer.Deserialize<CalendarNotice>(notice, JsonSerializerOptions.Web)!);
    }

    private static async Task<Results<Ok<CalendarImportResult>, ProblemHttpResult>> PutAsync(
        int year, HttpRequest request, CatalogDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        CalendarNotice? notice;
        try
        {
            notice = await JsonSerializer.DeserializeAsync<CalendarNotice>(request.Body, JsonSerializerOptions.Web, cancellationToken);
        }
        catch (JsonException e)
        {
            return Invalid(e.Path is { Length: > 1 } path ? path.TrimStart('$', '.') : "body", "The body is not a calendar notice: " + e.Message.Split(" Path:")[0]);
        }
        if (notice is null)
        {
            return Invalid("body", "Send the notice: { \"year\", \"holidays\": [{ \"name\", \"from\", \"to\" }], \"workingWeekends\": [date] }.");
        }
        if (notice.Year != year)
        {
            return Invalid("year", $"The body is the notice of {notice.Year}, the address names {year}.");
        }
        try
        {
            return TypedResults.Ok(await CalendarStore.ImportAsync(db, [notice], clock.GetUtcNow().UtcDateTime, cancellationToken));
        }
        catch (CalendarNoticeException e)
        {
            return Invalid(e.Problems.Select(p => (p.Path.Replace("years[0].", ""), p.Message)));
        }
    }

    private static ProblemHttpResult Invalid(string field, string message) => Invalid([(field, message)]);

    private static ProblemHttpResult Invalid(IEnumerable<(string Field, string Message)> problems)
    {
        var errors = problems.GroupBy(p => p.Field).ToDictionary(g => g.Key, g => g.Select(p => p.Message).ToArray());
        return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, type: ProblemTypes.Validation, title: "Invalid calendar notice",
            detail: string.Join(" ", errors.SelectMany(e => e.Value)), extensions: new Dictionary<string, object?> { ["errors"] = errors });
    }
}
