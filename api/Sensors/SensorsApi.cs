using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Sensors;

/// <summary>Administrators' view of the sensor bridge (docs/sensors.md): what it could not read, and why.</summary>
public static class SensorsApi
{
    public const int DefaultTop = 100;
    public const int MaxTop = 1000;

    /// <summary>A dead letter as stored: the payload's raw bytes in base64.</summary>
    public sealed record DeadLetterItem(long Id, string Topic, string Reason, string? Detail, DateTime ReceivedAt, string Payload);

    public sealed record DeadLetterList(long Count, IReadOnlyList<DeadLetterItem> Value);

    public static IEndpointRouteBuilder MapSensors(this IEndpointRouteBuilder app)
    {
        var sensors = app.MapGroup("/api/v1/sensors")
            .RequireAuthorization(Policies.Scope(Scopes.Admin))
            .WithTags("Sensors");

        sensors.MapGet("/dead-letters", DeadLettersAsync)
            .WithName("ListSensorDeadLetters")
            .WithSummary($"The newest sensor dead letters first (up to top, default {DefaultTop}, at most {MaxTop}): topic, reason, detail, receivedAt and the raw payload in base64. Admin scope.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        return app;
    }

    private static async Task<Results<Ok<DeadLetterList>, ValidationProblem>> DeadLettersAsync(CatalogDbContext db, int? top, CancellationToken cancellationToken)
    {
        var take = top ?? DefaultTop;
        if (take is < 1 or > MaxTop)
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["top"] = [$"top must be between 1 and {MaxTop}."] },
                type: ProblemTypes.Validation);
        }
        var count = await db.SensorDeadLetters.LongCountAsync(cancellationToken);
        var letters = await db.SensorDeadLetters.AsNoTracking().OrderByDescending(d => d.Id).Take(take).ToListAsync(cancellationToken);
        return TypedResults.Ok(new DeadLetterList(count, letters
            .Select(d => new DeadLetterItem(d.Id, d.Topic, d.Reason, d.Detail, DateTime.SpecifyKind(d.ReceivedAt, DateTimeKind.Utc), Convert.ToBase64String(d.Payload)))
            .ToList()));
    }
}
