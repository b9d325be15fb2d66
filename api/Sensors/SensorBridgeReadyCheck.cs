using DxyqOpenData.SensorBridge;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DxyqOpenData.Api.Sensors;

/// <summary>
/// Ready while the bridge has loaded its sensors and can receive (broker listening, or connected and subscribed to the
/// external one): unhealthy again while an external broker is away, healthy once the bridge is back and subscribed.
/// </summary>
internal sealed class SensorBridgeReadyCheck(BridgeStatus status) : IHealthCheck
{
    public const string Name = "sensor-bridge";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(status.IsReceiving
            ? HealthCheckResult.Healthy("Receiving sensor telemetry.")
            : status.WhenReceiving.IsCompletedSuccessfully
                ? HealthCheckResult.Unhealthy("Not receiving: the connection to the MQTT broker is down or not subscribed again yet.")
                : status.IsStarted
                ? HealthCheckResult.Unhealthy("Started, not yet receiving (broker not listening or not subscribed).")
                : HealthCheckResult.Unhealthy("Not started: sensors not loaded or broker not up."));
}
