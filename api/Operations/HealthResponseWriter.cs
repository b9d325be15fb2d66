using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DxyqOpenData.Api.Operations;

/// <summary>The health report as JSON: the overall status and, per check, its status, description, duration and data.</summary>
public static class HealthResponseWriter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public sealed record Body(string Status, double DurationMs, IReadOnlyDictionary<string, Check> Checks);

    public sealed record Check(string Status, string? Description, double DurationMs, IReadOnlyDictionary<string, object>? Data);

    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        var body = new Body(
            report.Status.ToString(),
            Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            report.Entries.ToDictionary(
                e => e.Key,
                e => new Check(
                    e.Value.Status.ToString(),
                    e.Value.Description ?? e.Value.Exception?.Message,
                    Math.Round(e.Value.Duration.TotalMilliseconds, 1),
                    e.Value.Data.Count > 0 ? e.Value.Data : null)));
        context.Response.ContentType = "application/json; charset=utf-8";
        return JsonSerializer.SerializeAsync(context.Response.Body, body, Json, context.RequestAborted);
    }
}
