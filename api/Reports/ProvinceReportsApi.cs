using System.Globalization;
using DxyqOpenData.Api.Data.Reference;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Security;
using DxyqOpenData.Api.Supervision;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Reports;

/// <summary>The province's reports (docs/reports.md): purchase review and the yearly evaluation. Administrators only.</summary>
public static class ProvinceReportsApi
{
    public static IEndpointRouteBuilder MapProvinceReports(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/reports/purchase-review", PurchaseReviewAsync)
            .RequireAuthorization(Policies.Scope(Scopes.Admin))
            .WithTags("Reports")
            .WithReportCsv("purchaseReview", "html")
            .Produces<PurchaseReviewReport>(StatusCodes.Status200OK, "application/json", "text/html")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithName("GetPurchaseReview")
            .WithSummary("The online evaluation report for a planned purchase of 500,000 CNY or more (rule 3): same-class (category) instruments of the unit, its city and the province with usage and sharing rates over the last 12 months, the idle ones and their alerts, rule 15 from last year's evaluation, and a conclusion. Below 500,000 CNY: 422. JSON, a printable A4 page with format=html or Accept: text/html, or CSV with format=csv or Accept: text/csv. Admin scope.");
        app.MapGet("/api/v1/reports/evaluation/{year}", EvaluationAsync)
            .RequireAuthorization(Policies.Scope(Scopes.Admin))
            .WithTags("Reports")
            .WithReportCsv("evaluation")
            .Produces<EvaluationReport>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithName("GetEvaluation")
            .WithSummary("The yearly evaluation of units (rule 15): indicators, a score with the weights of the rules file, rank, at most 15% excellent (ties at the cut left out), good/pass/poor bands, the sharing-insurance subsidy of provincial universities and institutes (rule 13), and a poor unit's classes not to be bought again. JSON, or CSV with format=csv or Accept: text/csv. Admin scope.");
        app.MapCountyAndShareReports();
        return app;
    }

    private static async Task<Results<Ok<PurchaseReviewReport>, ContentHttpResult, ProblemHttpResult>> PurchaseReviewAsync(HttpContext http,
        CatalogDbContext db, SupervisionOptions options, IConfiguration configuration, TimeProvider clock, string? category, string? unit,
        string? region, string? priceCny, string? format, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (category is null || category.Length != 6 || !category.All(char.IsAsciiDigit))
        {
            errors["category"] = ["category is required: the 6-digit category code of the planned instrument."];
        }
        var owner = unit is null ? null : await db.Units.AsNoTracking().FirstOrDefaultAsync(u => u.Id == unit, cancellationToken);
        if (owner is null)
        {
            errors["unit"] = [unit is null ? "unit is required: the credit code of the buying unit." : $"No unit {unit} is registered."];
        }
        var county = Regions.Default.County(region ?? owner?.RegionCode ?? "");
        var city = county is null ? null : Regions.Default.CityOf(county.Code);
        if (county is null || city is null)
        {
            errors["region"] = [$"region '{region}' is not a county code (GB/T 2260, 6 digits) the node knows; left out, the unit's own county is used."];
        }
        if (!decimal.TryParse(priceCny, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var price) || price <= 0 || price.Scale > 2)
        {
            errors["priceCny"] = ["priceCny is required: the planned price in CNY, more than 0, at most 2 decimal places."];
        }
        if (errors.Count > 0)
        {
            return Invalid(errors);
        }
        if (price < PurchaseReview.ThresholdCny)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, type: ProblemTypes.BelowReviewThreshold,
                title: "No purchase review below 500,000 CNY",
                detail: string.Create(CultureInfo.InvariantCulture,
                    $"购置评议仅适用于以财政资金新购 50 万元及以上的大型科研仪器；拟购价格 {price:#,0.##} 元低于 500,000 元，无需评议。 / A purchase review is for a planned purchase of 500,000 CNY or more (rule 3); {price:0.##} CNY is below it."),
                extensions: new Dictionary<string, object?> { ["thresholdCny"] = PurchaseReview.ThresholdCny, ["priceCny"] = price });
        }
        if (!TryRules(configuration, out var rules, out var broken))
        {
            return broken!;
        }
        var province = Regions.Default.Provinces.First(p => p.Cities.Contains(city!));
        var report = await PurchaseReview.RunAsync(db, rules!, category!, owner!.Id, owner.Name, county!, city!, province, price,
            options.DefaultRatedHoursPerYear, clock.GetUtcNow().UtcDateTime, cancellationToken);
        // format is checked by WithReportCsv; csv is written there from the JSON report.
        var wantsHtml = string.Equals(format, "html", StringComparison.OrdinalIgnoreCase) || (format is null && http.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase));
        return wantsHtml ? TypedResults.Content(PurchaseReviewPage.Render(report), "text/html; charset=utf-8") : TypedResults.Ok(report);
    }

    private static async Task<Results<Ok<EvaluationReport>, ProblemHttpResult>> EvaluationAsync(CatalogDbContext db, SupervisionOptions options,
        IConfiguration configuration, TimeProvider clock, string year, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var today = BeijingTime.DateOf(now);
        if (!TryYear(year, today, out var y, out var badYear))
        {
            return badYear!;
        }
        if (!TryRules(configuration, out var rules, out var broken))
        {
            return broken!;
        }
        return TypedResults.Ok(await Evaluation.RunAsync(db, rules!, y, today, options.DefaultRatedHoursPerYear, now, cancellationToken));
    }

    /// <summary>The rules file as it is now; a broken file is the operator's to fix: 503 naming what is wrong.</summary>
    private static bool TryRules(IConfiguration configuration, out EvaluationRules? rules, out ProblemHttpResult? problem) =>
        RulesFile.TryLoad(() => EvaluationRules.Load(configuration["Reports:EvaluationRulesFile"] ?? EvaluationRules.DefaultPath),
            "The evaluation rules file is wrong", out rules, out problem);

    /// <summary>The <c>{year}</c> of a yearly report: 2000 up to this Beijing year; otherwise a 400 naming <c>year</c>.</summary>
    internal static bool TryYear(string year, DateOnly today, out int value, out ProblemHttpResult? problem)
    {
        if (int.TryParse(year, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= 2000 && value <= today.Year)
        {
            problem = null;
            return true;
        }
        problem = Invalid(new() { ["year"] = [$"year '{year}' must be a year from 2000 to {today.Year}."] });
        return false;
    }

    internal static ProblemHttpResult Invalid(Dictionary<string, string[]> errors) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, type: ProblemTypes.Validation, title: "Invalid report request",
            detail: string.Join(" ", errors.SelectMany(x => x.Value)), extensions: new Dictionary<string, object?> { ["errors"] = errors });
}
