using System.Reflection;
using DxyqOpenData.Api.Security;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.HttpLogging;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Prometheus;

namespace DxyqOpenData.Api.Operations;

/// <summary>Health probes, Prometheus metrics and request logs. Log format is configuration: see docs/operations.md.</summary>
public static class OperationsSetup
{
    private const string ReadyTag = "ready";

    public static IHostApplicationBuilder AddOperations(this IHostApplicationBuilder builder)
    {
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

    public static IEndpointRouteBuilder MapOperations(this IEndpointRouteBuilder app)
    {
        // Probes and scrapes come every few seconds: they stay out of the request log.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthResponseWriter.WriteAsync })
            .RequireAuthorization(Policies.Operations)
            .WithHttpLogging(HttpLoggingFields.None)
            .WithName("HealthLive")
            .WithSummary("Liveness: 200 while the process runs and serves requests.")
            .WithTags("Operations");

        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = HealthResponseWriter.WriteAsync })
            .RequireAuthorization(Policies.Operations)
            .WithHttpLogging(HttpLoggingFields.None)
            .WithName("HealthReady")
            .WithSummary("Readiness: 200 when the database is reachable and fully migrated, 503 otherwise; JSON per check.")
            .WithTags("Operations");

        app.MapMetrics("/metrics")
            .RequireAuthorization(Policies.Operations)
            .WithHttpLogging(HttpLoggingFields.None)
            .WithName("Metrics")
            .WithSummary("Prometheus metrics in the text exposition format.")
            .WithTags("Operations");
        return app;
    }
}
