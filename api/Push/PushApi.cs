using DxyqOpenData.Api.Datasets;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Api.Operations;
using DxyqOpenData.Api.Security;
using DxyqOpenData.Api.Sensors;
using DxyqOpenData.Api.ServiceOfferings;
using DxyqOpenData.Api.ServiceRecords;
using DxyqOpenData.Schemas;

namespace DxyqOpenData.Api.Push;

/// <summary>One kind of push: its route segment, schema, key, policy and handler.</summary>
internal sealed class PushKind
{
    public required string Name { get; init; }
    public required string SchemaName { get; init; }
    public required string KeyProperty { get; init; }
    public required string Policy { get; init; }
    public required string OperationId { get; init; }
    public required string Title { get; init; }
    public required Func<PushBatch, IPushHandler> CreateHandler { get; init; }

    public static IReadOnlyList<PushKind> All { get; } =
    [
        new() { Name = "instruments", SchemaName = SchemaNames.Instrument, KeyProperty = "innerId", Policy = Policies.UnitCatalogWrite,
            OperationId = "PushInstruments", Title = "instruments", CreateHandler = b => new InstrumentPushHandler(b) },
        new() { Name = "service-offerings", SchemaName = SchemaNames.ServiceOffering, KeyProperty = "externalId", Policy = Policies.UnitCatalogWrite,
            OperationId = "PushServiceOfferings", Title = "service offerings", CreateHandler = b => new ServiceOfferingPushHandler(b) },
        new() { Name = "service-records", SchemaName = SchemaNames.ServiceRecord, KeyProperty = "externalId", Policy = Policies.UnitRecordsWrite,
            OperationId = "PushServiceRecords", Title = "service records", CreateHandler = b => new ServiceRecordPushHandler(b) },
        new() { Name = "datasets", SchemaName = SchemaNames.Dataset, KeyProperty = "externalId", Policy = Policies.UnitCatalogWrite,
            OperationId = "PushDatasets", Title = "datasets", CreateHandler = b => new DatasetPushHandler(b) },
        new() { Name = "sensors", SchemaName = SchemaNames.Sensor, KeyProperty = "externalId", Policy = Policies.UnitCatalogWrite,
            OperationId = "PushSensors", Title = "sensors", CreateHandler = b => new SensorPushHandler(b) },
    ];
}

/// <summary>The push API at <c>/api/v1/push/{kind}</c> (docs/push.md).</summary>
public static class PushApi
{
    public static IHostApplicationBuilder AddPush(this IHostApplicationBuilder builder)
    {
        builder.AddSettings<PushOptions>("Push");
        builder.Services.AddSingleton<PushHooks>();
        builder.Services.AddScoped<IdempotencyKeys>();
        builder.Services.AddScoped<PushService>();
        return builder;
    }

    public static IEndpointRouteBuilder MapPush(this IEndpointRouteBuilder app)
    {
        var push = app.MapGroup("/api/v1/push").WithTags("Push");
        foreach (var kind in PushKind.All)
        {
            push.MapPost("/" + kind.Name, async (HttpContext http, PushService service, CancellationToken cancellationToken) =>
                {
                    var response = await service.HandleAsync(http, kind, cancellationToken);
                    foreach (var (name, value) in response.Headers)
                    {
                        http.Response.Headers[name] = value;
                    }
                    http.Response.StatusCode = response.Status;
                    http.Response.ContentType = response.ContentType;
                    http.Response.ContentLength = response.Body.Length;
                    await http.Response.Body.WriteAsync(response.Body, cancellationToken);
                    return Results.Empty;
                })
                .RequireAuthorization(kind.Policy)
                // Not .Accepts(): its content-type matching would answer another type before authorization runs; the
                // handler answers 415 itself, and PushOperationFilter describes the body.
                .WithMetadata(kind)
                .Produces<PushResult>(StatusCodes.Status200OK)
                .ProducesProblem(StatusCodes.Status400BadRequest)
                .ProducesProblem(StatusCodes.Status409Conflict)
                .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
                .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
                .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
                .WithName(kind.OperationId)
                .WithSummary($"Upsert the unit's {kind.Title} by {kind.KeyProperty}: a JSON array or NDJSON of up to 10,000 /schemas/{kind.SchemaName}/v1.json documents.")
                .WithDescription(
                    $"Each item is validated against /schemas/{kind.SchemaName}/v1.json, then by the rules a schema cannot say; the unit is the token's. " +
                    "Atomic by default: any invalid item answers 422 listing every failing item (index, key, JSON Pointer, message) and nothing is written. " +
                    "With `Prefer: odata.continue-on-error` the valid items are written and the others reported in `rejected` (`Preference-Applied` says so). " +
                    "An `Idempotency-Key` makes a retry safe: the same key and body replay the first answer; the same key with another body is 422, " +
                    "while the first is in flight 409. A 2xx means the write is committed.");
        }
        return app;
    }
}
