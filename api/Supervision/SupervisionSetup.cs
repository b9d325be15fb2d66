using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Data.Leases;
using DxyqOpenData.Api.Operations;
using DxyqOpenData.Api.Reports;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DxyqOpenData.Api.Supervision;

/// <summary>Supervision (rules 2, 4, 5 and "Rates"): the working-day calendar, deadlines, the alert sweep and the rates.</summary>
public static class SupervisionSetup
{
    public static IHostApplicationBuilder AddSupervision(this IHostApplicationBuilder builder)
    {
        var options = builder.AddSettings<SupervisionOptions>("Supervision");
        builder.Services.AddLeases();
        builder.Services.AddSingleton<SweepGate>();
        builder.Services.AddScoped<AlertSweep>();
        if (options.Sweep.Enabled)
        {
            builder.Services.AddHostedService<SweepService>();
        }
        builder.Services.AddHealthChecks()
            .AddCheck<CalendarReadyCheck>(CalendarReadyCheck.Name, HealthStatus.Degraded, [OperationsSetup.ReadyTag], TimeSpan.FromSeconds(10));
        return builder;
    }

    public static IEndpointRouteBuilder MapSupervision(this IEndpointRouteBuilder app)
    {
        app.MapCalendar();
        app.MapSupervisionRoutes();
        app.MapReports();
        return app;
    }

    /// <summary>At start, on a migrated database: the shipped calendar years the database lacks, and a warning naming the missing ones.</summary>
    public static async Task StartAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await CalendarStore.SeedAsync(services, cancellationToken);
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
        var calendar = await CalendarStore.LoadAsync(db, cancellationToken);
        var today = BeijingTime.DateOf(services.GetRequiredService<TimeProvider>().GetUtcNow());
        var missing = CalendarReadyCheck.YearsNeeded(today).Where(y => !calendar.Holds(y)).ToList();
        var provisional = await CalendarReadyCheck.CountProvisionalAsync(db, cancellationToken);
        if (missing.Count > 0 || provisional > 0)
        {
            services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SupervisionSetup).FullName!).LogWarning(
                "The working-day calendar lacks {MissingYears}: deadlines counting those days are provisional ({Provisional} now). Import the notice with `calendar import FILE` or PUT /api/v1/calendar/years/{{year}}",
                string.Join(", ", missing), provisional);
        }
    }
}
