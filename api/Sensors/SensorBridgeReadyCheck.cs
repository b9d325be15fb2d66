using DxyqOpenData.SensorBridge;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DxyqOpenData.Api.Sensors;

/// <summary>Ready once the bridge has loaded its sensors and can receive (broker listening, or subscribed to the external one).</summary>
internal sealed class SensorBridgeReadyCheck(BridgeStatus status) : IHealthCheck
{
    public const string Name = "sensor-bridge";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(status.WhenReceiving.IsCompletedSuccessfully
            ? HealthCheckResult.Healthy("Receiving sensor telemetry.")
            : status.IsStarted
                ? HealthCheckResult.Unhealthy("Started, not yet receiving (broker not listening or not subscribed).")
                : HealthCheckResult.Unhealthy("Not started: sensors not loaded or broker not up."));
}
