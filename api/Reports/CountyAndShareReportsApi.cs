using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Security;
using DxyqOpenData.Api.Supervision;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DxyqOpenData.Api.Reports;

/// <summary>The province's yearly statistics (docs/reports.md): the 26 mountain counties and the shares. Administrators only.</summary>
public static class CountyAndShareReportsApi
{
    public static IEndpointRouteBuilder MapCountyAndShareReports(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/reports/counties/{year}", CountiesAsync)
            .RequireAuthorization(Policies.Scope(Scopes.Admin))
            .WithTags("Reports")
            .WithReportCsv("counties")
            .Produces<CountiesReport>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithName("GetCountiesReport")
            .WithSummary("Service to users of each of the 26 mountain counties (rule 8) by unit: records, hours, income, voucher-paid services and their amount, for the year (up to today in the current year) and the same dates a year before, with the change and growth; per county and in total. JSON, or CSV with format=csv or Accept: text/csv. Admin scope.");
        app.MapGet("/api/v1/reports/shares/{year}", SharesAsync)
            .RequireAuthorization(Policies.Scope(Scopes.Admin))
            .WithTags("Reports")
            .WithReportCsv("shares")
            .Produces<SharesReport>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithName("GetSharesReport")
            .WithSummary("The domestic share (countryOfOrigin CN) of the instruments bought in the year, of their value and of machine hours, against the year before (rule 14); per unit the share of the year's newly bought general-purpose instruments in its shared facility against the 65% target, and the units below it (rule 6). JSON, or CSV with format=csv or Accept: text/csv. Admin scope.");
        return app;
    }

    private static async Task<Results<Ok<CountiesReport>, ProblemHttpResult>> CountiesAsync(CatalogDbContext db, TimeProvider clock, string year,
        CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var today = BeijingTime.DateOf(now);
        return ProvinceReportsApi.TryYear(year, today, out var y, out var badYear)
            ? TypedResults.Ok(await Counties.RunAsync(db, y, today, now, cancellationToken))
            : badYear!;
    }

    private static async Task<Results<Ok<SharesReport>, ProblemHttpResult>> SharesAsync(CatalogDbContext db, SupervisionOptions options,
        IConfiguration configuration, TimeProvider clock, string year, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var today = BeijingTime.DateOf(now);
        if (!ProvinceReportsApi.TryYear(year, today, out var y, out var badYear))
        {
            return badYear!;
        }
        if (!RulesFile.TryLoad(() => Shares.Load(RulesFile.PathOf(configuration, "Reports:SharesRulesFile", Shares.FileName)),
                "The shares rules file is wrong", out var rules, out var broken))
        {
            return broken!;
        }
        return TypedResults.Ok(await Shares.RunAsync(db, rules!.SharedFacilityTarget, y, today, options.DefaultRatedHoursPerYear, now, cancellationToken));
    }
}
