using System.Text.Json;
using DxyqOpenData.Api.Alerts;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Supervision;

/// <summary>The sweep on demand (administrators) and the owning unit's explanation of an alert.</summary>
public static class SupervisionApi
{
    /// <summary>An explanation: <c>repair</c>, <c>transferred</c>, <c>rented</c> or <c>other</c> (then <c>text</c> says what).</summary>
    public sealed record ExplanationBody(string? Reason, string? Text);

    public sealed record ExplainedAlert(Guid Id, string Kind, string ExplanationReason, string? Explanation, DateTime ExplainedAt);

    public const int MaxExplanationLength = 2000;

    public static IEndpointRouteBuilder MapSupervisionRoutes(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/supervision/sweep", SweepAsync)
            .RequireAuthorization(Policies.Scope(Scopes.Admin))
            .WithTags("Supervision")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithName("RunSupervisionSweep")
            .WithSummary("Runs the alert sweep now and answers what it did (raised, resolved, open); 409 while another node holds the sweep's lease. Admin scope.");

        app.MapPut("/api/v1/alerts/{id:guid}/explanation", ExplainAsync)
            .RequireAuthorization(Policies.UnitRecordsWrite)
            .WithTags("Supervision")
            .Accepts<ExplanationBody>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("ExplainAlert")
            .WithSummary("The owning unit's explanation of one of its alerts: reason repair|transferred|rented|other (other with text). Administrators read it at /odata/Alerts. records.write and a unit; another unit's alert is 404.");
        return app;
    }

    private static async Task<Results<Ok<SweepResult>, ProblemHttpResult>> SweepAsync(AlertSweep sweep, CancellationToken cancellationToken)
    {
        var result = await sweep.RunAsync(cancellationToken);
        return result.Ran
            ? TypedResults.Ok(result)
            : TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.Conflict, title: "A sweep is running",
                detail: $"{result.HeldBy} holds the sweep's lease; try again when it has finished.");
    }

    private static async Task<Results<Ok<ExplainedAlert>, ProblemHttpResult>> ExplainAsync(
        Guid id, HttpRequest request, CatalogDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        ExplanationBody? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<ExplanationBody>(request.Body, JsonSerializerOptions.Web, cancellationToken);
        }
        catch (JsonException e)
        {
            return Invalid("body", "The body is not JSON of the form { \"reason\", \"text\" }: " + e.Message.Split(" Path:")[0]);
        }
        var reasons = string.Join(", ", Enum.GetValues<AlertExplanationReason>().Select(WireNames<AlertExplanationReason>.ToWire));
        if (body?.Reason is not { } wire || !Enum.GetValues<AlertExplanationReason>().Any(r => WireNames<AlertExplanationReason>.ToWire(r) == wire))
        {
            return Invalid("reason", $"reason must be one of {reasons}.");
        }
        var reason = WireNames<AlertExplanationReason>.FromWire(wire);
        var text = string.IsNullOrWhiteSpace(body.Text) ? null : body.Text.Trim();
        if (reason == AlertExplanationReason.Other && text is null)
        {
            return Invalid("text", "An explanation of reason 'other' needs a text saying what.");
        }
        if (text?.Length > MaxExplanationLength)
        {
            return Invalid("text", $"text is at most {MaxExplanationLength} characters.");
        }
        var unit = request.HttpContext.User.UnitId();
        var now = clock.GetUtcNow().UtcDateTime;
        var changed = await db.Alerts.Where(a => a.Id == id && a.UnitId == unit)
            .ExecuteUpdateAsync(u => u.SetProperty(a => a.ExplanationReason, reason).SetProperty(a => a.Explanation, text)
                .SetProperty(a => a.ExplainedAt, now), cancellationToken);
        if (changed == 0)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, type: ProblemTypes.NotFound, title: "Not found",
                detail: $"Unit {unit} has no alert {id}.");
        }
        var kind = await db.Alerts.Where(a => a.Id == id).Select(a => a.Kind).SingleAsync(cancellationToken);
        return TypedResults.Ok(new ExplainedAlert(id, WireNames<AlertKind>.ToWire(kind), wire, text, now));
    }

    private static ProblemHttpResult Invalid(string field, string message) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, type: ProblemTypes.Validation, title: "Invalid explanation", detail: message,
            extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = [message] } });
}
