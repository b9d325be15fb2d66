using System.Reflection;
using DxyqOpenData.Api.Security;
using Microsoft.AspNetCore.HttpLogging;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Prometheus;

namespace DxyqOpenData.Api.Operations;

/// <summary>Health probes, Prometheus metrics and request logs. Log format is configuration: see docs/operations.md.</summary>
public static class OperationsSetup
{
    /// <summary>Checks with this tag make up /health/ready.</summary>
    public const string ReadyTag = "ready";

    public static IHostApplicationBuilder AddOperations(this IHostApplicationBuilder builder)
    {
        builder.AddJsonText();
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseReadyCheck>(DatabaseReadyCheck.Name, HealthStatus.Unhealthy, [ReadyTag], TimeSpan.FromSeconds(10));

        // One line per request: what was asked, what was answered, how long it took. Never headers or bodies.
        builder.Services.AddHttpLogging(o =>
        {
            o.LoggingFields = HttpLoggingFields.RequestMethod | HttpLoggingFields.RequestPath
                | HttpLoggingFields.ResponseStatusCode | HttpLoggingFields.Duration;
            o.CombineLogs = true;
        });

        var version = Assembly.GetExecutingAssembly().GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        NodeMetrics.BuildInfo.WithLabels(version).Set(1);
        return builder;
    }

    /// <summary>Request logging and HTTP metrics: call before authentication so refused requests are counted too.</summary>
    public static IApplicationBuilder UseOperations(this IApplicationBuilder app)
    {
        app.UseHttpLogging();
        app.UseHttpMetrics();
        return app;
    }

    /// <summary>
    /// The probes and the scrape endpoint, as plain minimal-API routes so the OpenAPI document describes them with
    /// every other route. Probes and scrapes come every few seconds: they stay out of the request log.
    /// </summary>
    public static IEndpointRouteBuilder MapOperations(this IEndpointRouteBuilder app)
    {
        var operations = app.MapGroup("")
            .RequireAuthorization(Policies.Operations)
            .WithHttpLogging(HttpLoggingFields.None)
            .WithTags("Operations");

        operations.MapGet("/health/live", (HttpContext context, HealthCheckService health) => HealthAsync(context, health, _ => false))
            .WithName("HealthLive")
            .WithSummary("Liveness: 200 while the process runs and serves requests.")
            .Produces<HealthResponseWriter.Body>(StatusCodes.Status200OK);

        operations.MapGet("/health/ready", (HttpContext context, HealthCheckService health) => HealthAsync(context, health, c => c.Tags.Contains(ReadyTag)))
            .WithName("HealthReady")
            .WithSummary("Readiness: 200 when the database is reachable and fully migrated, 503 otherwise; JSON per check.")
            .Produces<HealthResponseWriter.Body>(StatusCodes.Status200OK)
            .Produces<HealthResponseWriter.Body>(StatusCodes.Status503ServiceUnavailable);

        operations.MapGet("/metrics", async (HttpContext context, CancellationToken cancellationToken) =>
            {
                context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                await Metrics.DefaultRegistry.CollectAndExportAsTextAsync(context.Response.Body, cancellationToken);
            })
            .WithName("Metrics")
            .WithSummary("Prometheus metrics in the text exposition format.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain");
        return app;
    }

    private static async Task HealthAsync(HttpContext context, HealthCheckService health, Func<HealthCheckRegistration, bool> predicate)
    {
        var report = await health.CheckHealthAsync(predicate, context.RequestAborted);
        context.Response.StatusCode = report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        context.Response.Headers.CacheControl = "no-store, no-cache";
        await HealthResponseWriter.WriteAsync(context, report);
    }
}
