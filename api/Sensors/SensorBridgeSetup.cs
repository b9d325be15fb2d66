using DxyqOpenData.Api.Data.Leases;
using DxyqOpenData.Api.Operations;
using DxyqOpenData.SensorBridge;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using DxyqOpenData.SensorBridge.Pipeline;

namespace DxyqOpenData.Api.Sensors;

/// <summary>The MQTT sensor bridge (sensor-bridge/) with this node's database as its sink; see docs/sensors.md.</summary>
public static class SensorBridgeSetup
{
    public static IHostApplicationBuilder AddSensorBridge(this IHostApplicationBuilder builder)
    {
        // Registered even when SensorBridge:Enabled is false, which leaves only the hosted service out.
        builder.Services.AddScoped<ISensorSink, SensorSink>();
        builder.Services.AddSingleton<ISessionLease, SensorSessionLease>();
        var bridge = builder.Services.AddSensorBridge(builder.Configuration);
        // Raw readings past retention are purged whether or not this node runs the bridge (another may write them).
        builder.AddSettings<ReadingRetentionOptions>(SensorBridgeOptions.Section);
        builder.Services.AddSingleton<ReadingRetentionService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ReadingRetentionService>());
        builder.Services.AddLeases();
        if (bridge.Enabled)
        {
            SensorBridgeMetricsExporter.EnsureStarted();
            builder.Services.AddHealthChecks()
                .AddCheck<SensorBridgeReadyCheck>(SensorBridgeReadyCheck.Name, HealthStatus.Unhealthy, [OperationsSetup.ReadyTag]);
        }
        return builder;
    }
}
