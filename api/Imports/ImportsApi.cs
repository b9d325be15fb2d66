using DxyqOpenData.Api.Operations;
using System.Text.Json;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Data.Leases;
using DxyqOpenData.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Imports;

/// <summary>The answer to an upload: the import's id, its status and where to follow it.</summary>
public sealed record ImportAccepted(Guid Id, string Status, string Url);

/// <summary>An import's progress and, per rejected row, its row number (header = row 1), Chinese column and reason.</summary>
public sealed record ImportReport(
    Guid Id,
    string Kind,
    string Status,
    string? FileName,
    string Format,
    int TotalRows,
    int ProcessedRows,
    int Accepted,
    IReadOnlyList<RejectedRow> Rejected,
    string? Error,
    DateTime CreatedAt,
    DateTime? CompletedAt);

/// <summary>The multipart form of <c>POST /api/v1/imports</c> (for the API description).</summary>
public sealed class ImportUpload
{
    /// <summary>The file: CSV (UTF-8 with or without BOM, or GB18030) or XLSX, header in row 1.</summary>
    public required IFormFile File { get; set; }
    /// <summary>instruments | service-offerings | service-records | datasets | sensors | units (administrators).</summary>
    public required string Kind { get; set; }
}

/// <summary>
/// <c>/api/v1/imports</c>: monthly fixed-format imports (docs/imports.md). Templates are public; uploads and reports
/// belong to the uploading client's unit.
/// </summary>
public static class ImportsApi
{
    /// <summary>
    /// A unit's client with <c>catalog.write</c> or <c>records.write</c>, or an administrator (the registry of units); the
    /// kind's own scope is checked per upload.
    /// </summary>
    public const string Policy = "unit-imports";

    /// <summary>The upload's endpoint name (its body is described by ImportUploadOperationFilter).</summary>
    public const string UploadName = "CreateImport";

    public const string CsvMediaType = "text/csv";
    public const string XlsxMediaType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    public static IHostApplicationBuilder AddImports(this IHostApplicationBuilder builder)
    {
        builder.AddSettings<ImportOptions>("Imports");
        builder.Services.AddSingleton<ImportQueue>();
        builder.Services.AddHostedService<ImportProcessor>();
        builder.Services.AddLeases();
        builder.Services.AddAuthorizationBuilder().AddPolicy(Policy, p => p.RequireAuthenticatedUser().RequireAssertion(c =>
            c.User.HasScope(Scopes.Admin) || (c.User.UnitId() is not null && (c.User.HasScope(Scopes.CatalogWrite) || c.User.HasScope(Scopes.RecordsWrite)))));
        return builder;
    }

    public static IEndpointRouteBuilder MapImports(this IEndpointRouteBuilder app)
    {
        var imports = app.MapGroup("/api/v1/imports").WithTags("Imports");

        imports.MapGet("/templates/{file}", Results<FileContentHttpResult, ProblemHttpResult> (string file) =>
            {
                var dot = file.LastIndexOf('.');
                var template = dot > 0 ? ImportTemplates.Find(file[..dot]) : null;
                return (template, dot > 0 ? file[(dot + 1)..] : "") switch
                {
                    ({ } t, "csv") => TypedResults.File(ImportTemplates.Csv(t), $"{CsvMediaType}; charset=utf-8", $"{t.Kind}.csv"),
                    ({ } t, "xlsx") => TypedResults.File(ImportTemplates.Xlsx(t), XlsxMediaType, $"{t.Kind}.xlsx"),
                    _ => Problem(StatusCodes.Status404NotFound, ProblemTypes.NotFound, "Not found",
                        $"No template '{file}'. Templates: {string.Join(", ", ImportTemplates.Kinds.Select(k => $"{k}.csv, {k}.xlsx"))}."),
                };
            })
            .RequireAuthorization(Policies.PublicCatalog)
            .Produces(StatusCodes.Status200OK, typeof(byte[]), CsvMediaType, XlsxMediaType)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("GetImportTemplate")
            .WithSummary("The fixed format of one kind, {kind}.csv (UTF-8 with BOM) or {kind}.xlsx: a header row with the Chinese column headers and an example row.");

        imports.MapPost("/", UploadAsync)
            .RequireAuthorization(Policy)
            .DisableAntiforgery()
            .Produces<ImportAccepted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithName(UploadName)
            .WithSummary("Uploads a fixed-format file (multipart: file, kind) for the client's unit; 202 with the import's id and URL. catalog.write for the catalog kinds, records.write for service-records, admin for units (the registry, bound to no unit).");

        imports.MapGet("/{id:guid}", GetAsync)
            .RequireAuthorization(Policy)
            .Produces<ImportReport>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("GetImport")
            .WithSummary("An import of the client's unit (for an administrator: an import of units): status queued|running|completed|failed, progress, accepted rows and every rejected row (row number, Chinese column, reason). Another unit's import is 404.");
        return app;
    }

    private static ProblemHttpResult Problem(int status, string type, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(statusCode: status, type: type, title: title, detail: detail, extensions: extensions);

    private static ProblemHttpResult Invalid(int status, string detail, string field) =>
        Problem(status, ProblemTypes.Validation, status == StatusCodes.Status413PayloadTooLarge ? "File too large" : "Invalid import", detail,
            new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = [detail] } });

    private static async Task<Results<Accepted<ImportAccepted>, ProblemHttpResult>> UploadAsync(
        HttpRequest request, CatalogDbContext db, ImportQueue queue, ImportOptions options, CancellationToken cancellationToken)
    {
        var user = request.HttpContext.User;
        if (!request.HasFormContentType)
        {
            return Invalid(StatusCodes.Status400BadRequest, "send multipart/form-data with the fields 'file' and 'kind'", "file");
        }
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            return Invalid(StatusCodes.Status400BadRequest, $"the multipart body cannot be read: {e.Message}", "file");
        }
        var kind = form["kind"].ToString().Trim();
        if (ImportTemplates.Find(kind) is not { } template)
        {
            return Invalid(StatusCodes.Status400BadRequest, $"'kind' must be one of {string.Join(", ", ImportTemplates.Kinds)}", "kind");
        }
        if (!user.HasScope(UnitDocumentWrite.ScopeFor(kind)))
        {
            return Problem(StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, "Forbidden", $"importing {kind} needs the scope {UnitDocumentWrite.ScopeFor(kind)}");
        }
        var registry = kind == UnitDocumentWrite.Registry;
        if (!registry && user.UnitId() is null)
        {
            return Problem(StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, "Forbidden", $"importing {kind} is for a unit's client: the rows are bound to the token's unit, and this token has none");
        }
        if (form.Files.GetFile("file") is not { } file)
        {
            return Invalid(StatusCodes.Status400BadRequest, "the form has no file field 'file'", "file");
        }
        if (file.Length > options.MaxBytes)
        {
            return Invalid(StatusCodes.Status413PayloadTooLarge, $"the file has {file.Length} bytes; at most {options.MaxBytes} are accepted (Imports:MaxBytes)", "file");
        }
        byte[] content;
        using (var memory = new MemoryStream())
        {
            await file.CopyToAsync(memory, cancellationToken);
            content = memory.ToArray();
        }
        // The file as a whole is checked now (400/422); its rows in the background.
        ImportFile table;
        try
        {
            table = ImportFile.Read(content, file.FileName, options.MaxRows);
            RowMapper.ForHeader(template, table.Header);
        }
        catch (ImportFileException e)
        {
            return Invalid(e.Status, e.Message, "file");
        }

        var job = new ImportJob
        {
            Id = Guid.NewGuid(),
            UnitId = registry ? null : user.UnitId(),
            ClientId = user.FindFirst("client_id")?.Value ?? user.FindFirst("sub")?.Value ?? "",
            Kind = kind,
            Status = ImportProcessor.Queued,
            FileName = Path.GetFileName(file.FileName) is { Length: > 0 and <= 260 } name ? name : null,
            Format = table.Format,
            Content = content,
            TotalRows = table.Rows.Count,
            CreatedAt = DateTime.UtcNow,
        };
        db.Imports.Add(job);
        await db.SaveChangesAsync(cancellationToken);
        await queue.EnqueueAsync(job.Id, cancellationToken);

        var url = $"/api/v1/imports/{job.Id}";
        return TypedResults.Accepted(url, new ImportAccepted(job.Id, job.Status, url));
    }

    private static async Task<Results<Ok<ImportReport>, ProblemHttpResult>> GetAsync(Guid id, HttpContext context, CatalogDbContext db, CancellationToken cancellationToken)
    {
        // A unit's client sees its unit's imports; an administrator without a unit, the imports of units.
        var unit = context.User.UnitId();
        var job = await db.Imports.AsNoTracking()
            .Where(j => j.Id == id && (unit == null ? j.UnitId == null : j.UnitId == unit))
            .Select(j => new { j.Id, j.Kind, j.Status, j.FileName, j.Format, j.TotalRows, j.ProcessedRows, j.Accepted, j.Rejected, j.Error, j.CreatedAt, j.CompletedAt })
            .SingleOrDefaultAsync(cancellationToken);
        if (job is null)
        {
            return Problem(StatusCodes.Status404NotFound, ProblemTypes.NotFound, "Not found", unit is null ? $"No import {id} of units (an administrator sees the imports of units; a unit's imports are its own)." : $"No import {id} of your unit.");
        }
        var rejected = JsonSerializer.Deserialize<List<RejectedRow>>(job.Rejected, ImportProcessor.Json) ?? [];
        return TypedResults.Ok(new ImportReport(job.Id, job.Kind, job.Status, job.FileName, job.Format, job.TotalRows, job.ProcessedRows,
            job.Accepted, rejected, job.Error, job.CreatedAt, job.CompletedAt));
    }
}
