using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Security;
using DxyqOpenData.Api.Supervision;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DxyqOpenData.Api.Reports;

/// <summary><c>/api/v1/reports/rewards/{year}</c> (rule 10, docs/reports.md). Administrators only, like the other province reports.</summary>
public static class RewardsApi
{
    public static IEndpointRouteBuilder MapRewardsReport(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/reports/rewards/{year}", RewardsAsync)
            .RequireAuthorization(Policies.Scope(Scopes.Admin))
            .WithTags("Reports")
            .WithReportCsv("rewards")
            .Produces<RewardsReport>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithName("GetRewards")
            .WithSummary("The rewards for instrument-sharing services in a year (rule 10): per instrument min(10% of its eligible service income, 20,000 CNY), per unit capped at 1,000,000 CNY with the cut shown; internal, statutory/mandatory/in-duty and contract-rewarded services left out, their income shown by reason. Share and caps from the rules file. JSON, or CSV with format=csv or Accept: text/csv. Admin scope.");
        return app;
    }

    private static async Task<Results<Ok<RewardsReport>, ProblemHttpResult>> RewardsAsync(CatalogDbContext db, IConfiguration configuration,
        TimeProvider clock, string year, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var today = BeijingTime.DateOf(now);
        if (!ProvinceReportsApi.TryYear(year, today, out var y, out var badYear))
        {
            return badYear!;
        }
        if (!RulesFile.TryLoad(() => RewardRules.Load(RulesFile.PathOf(configuration, "Reports:RewardRulesFile", RewardRules.FileName)),
                "The reward rules file is wrong", out var rules, out var broken))
        {
            return broken!;
        }
        return TypedResults.Ok(await Rewards.RunAsync(db, rules!, y, today, now, cancellationToken));
    }
}
