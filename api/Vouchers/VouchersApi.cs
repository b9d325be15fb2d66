using DxyqOpenData.Api.Operations;
using System.IO.Compression;
using System.Text.Json;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Push;
using DxyqOpenData.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Vouchers;

/// <summary>
/// Innovation-voucher systems at <c>/api/v1/vouchers</c> (docs/vouchers.md): claims with the evidence of the on-platform
/// flow, and reconciliations of their ledgers against the node's voucher-paid records.
/// </summary>
public static class VouchersApi
{
    public const int DefaultTop = 100;
    public const int MaxTop = 1000;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IHostApplicationBuilder AddVouchers(this IHostApplicationBuilder builder)
    {
        builder.AddSettings<VoucherOptions>("Vouchers");
        builder.Services.AddScoped<ReconciliationService>();
        return builder;
    }

    public static IEndpointRouteBuilder MapVouchers(this IEndpointRouteBuilder app)
    {
        var vouchers = app.MapGroup("/api/v1/vouchers")
            .RequireAuthorization(Policies.VoucherSystem)
            .WithTags("Vouchers")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        vouchers.MapGet("/claims", VoucherClaims.ListAsync)
            .WithName("ListVoucherClaims")
            .WithSummary("Voucher-paid service records that started in [from, to), with the evidence of booking, use, payment and rating and the seamless-redemption flag.")
            .WithDescription($"from/to: a date (00:00 Beijing time) or a date-time with offset. Filter by unitId and enterpriseCreditCode. Ordered by startedAt, unit, record key; pageSize (default {VoucherClaims.DefaultPageSize}, at most {VoucherClaims.MaxPageSize}) per page and nextLink (also a Link header) to the next. JSON, or CSV with format=csv or Accept: text/csv. No personal data.")
            .Produces<VoucherClaimPage>(StatusCodes.Status200OK, "application/json", CsvTable.MediaType)
            .ProducesValidationProblem();

        vouchers.MapPost("/reconciliations", async (HttpContext http, string? from, string? to, ReconciliationService service, CancellationToken cancellationToken) =>
            {
                var response = await service.HandleAsync(http, from, to, cancellationToken);
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
            .WithName("CreateVoucherReconciliation")
            .WithSummary("Reconcile a voucher system's ledger for the period [from, to) against the node's voucher-paid records; the report is stored.")
            .WithDescription("Body: up to 100,000 /schemas/voucher-ledger-line/v1.json lines as a JSON array, NDJSON (application/x-ndjson) or CSV (text/csv, header lineId,voucherNo,serviceRecord.unitId,serviceRecord.externalId,enterpriseCreditCode,enterpriseName,amountCny,paidAt,issuerRegionCode,remark). " +
                "Any invalid line: 422 naming each line number and field, nothing recorded. 201 with the summary and Location of the report. " +
                "An Idempotency-Key makes a retry safe as in the push API: the same key and request replay the first answer; the same key with another request is 422.")
            .Produces<ReconciliationSummary>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        vouchers.MapGet("/reconciliations", ListAsync)
            .WithName("ListVoucherReconciliations")
            .WithSummary($"The caller's reconciliations, newest first: top (default {DefaultTop}, at most {MaxTop}) per page, skip, nextLink.")
            .Produces<ReconciliationList>(StatusCodes.Status200OK)
            .ProducesValidationProblem();

        vouchers.MapGet("/reconciliations/{id:guid}", GetAsync)
            .WithName("GetVoucherReconciliation")
            .WithSummary("One stored reconciliation report: totals overall and per unit, and every finding; JSON, or its findings as CSV with format=csv or Accept: text/csv.")
            .Produces<ReconciliationReport>(StatusCodes.Status200OK, "application/json", CsvTable.MediaType)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    internal static ReconciliationSummary SummaryOf(ReconciliationReport report) => new(report.Id, report.CreatedAt, report.From, report.To, report.Totals,
        $"/api/v1/vouchers/reconciliations/{report.Id}", $"/api/v1/vouchers/reconciliations/{report.Id}?format=csv");

    private static async Task<Results<Ok<ReconciliationList>, ValidationProblem>> ListAsync(HttpContext http, CatalogDbContext db, int? top, int? skip,
        CancellationToken cancellationToken)
    {
        var take = top ?? DefaultTop;
        var from = skip ?? 0;
        if (take is < 1 or > MaxTop || from < 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["top"] = [$"top must be between 1 and {MaxTop}, skip at least 0."] },
                type: ProblemTypes.Validation);
        }
        var client = IdempotencyKeys.ClientIdOf(http.User) ?? "";
        var summaries = await db.VoucherReconciliations.AsNoTracking().Where(r => r.ClientId == client)
            .OrderByDescending(r => r.CreatedAt).ThenBy(r => r.Id).Skip(from).Take(take + 1).Select(r => r.Summary).ToListAsync(cancellationToken);
        var next = summaries.Count > take ? $"/api/v1/vouchers/reconciliations?top={take}&skip={from + take}" : null;
        return TypedResults.Ok(new ReconciliationList(
            summaries.Take(take).Select(s => JsonSerializer.Deserialize<ReconciliationSummary>(s, Json)!).ToList(), next));
    }

    private static async Task<IResult> GetAsync(HttpContext http, CatalogDbContext db, Guid id, CancellationToken cancellationToken)
    {
        var client = IdempotencyKeys.ClientIdOf(http.User) ?? "";
        var report = await db.VoucherReconciliations.AsNoTracking().Where(r => r.Id == id && r.ClientId == client)
            .Select(r => r.Report).SingleOrDefaultAsync(cancellationToken);
        if (report is null)
        {
            return TypedResults.Problem(type: ProblemTypes.NotFound, statusCode: StatusCodes.Status404NotFound, title: "Not found",
                detail: $"No reconciliation {id} of this client.");
        }
        var json = Decompress(report);
        if (!CsvTable.Wanted(http.Request))
        {
            return TypedResults.Bytes(json, "application/json; charset=utf-8");
        }
        var items = JsonSerializer.Deserialize<ReconciliationReport>(json, Json)!.Items;
        return TypedResults.File(CsvTable.Write(CsvTable.Columns<ReconciliationItem>(Json), items, Json), CsvTable.MediaType + "; charset=utf-8");
    }

    private static byte[] Decompress(byte[] gzip)
    {
        using var input = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }
}
