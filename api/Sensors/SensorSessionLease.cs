using DxyqOpenData.Api.Data.Leases;
using DxyqOpenData.SensorBridge;
using DxyqOpenData.SensorBridge.Pipeline;
using Microsoft.Extensions.Options;

namespace DxyqOpenData.Api.Sensors;

/// <summary>
/// The sessions' lease in the database: of the nodes whose bridges share it, one turns stored readings into sessions
/// (docs/sensors.md, "Several bridges"). A node that dies holding it loses it after <c>SensorBridge:SessionLeaseSeconds</c>
/// (renewed every third of it).
/// </summary>
internal sealed class SensorSessionLease(IServiceScopeFactory scopes, IOptions<SensorBridgeOptions> options, ILogger<SensorSessionLease> logger) : ISessionLease
{
    public const string Name = "sensor-sessions";

    // Not tied to the host's stopping token: a clean stop gives the lease back at once instead of letting it run out.
    public async Task<IAsyncDisposable?> TryTakeAsync(CancellationToken cancellationToken) =>
        await LeaseHold.TryTakeAsync(scopes, Name, TimeSpan.FromSeconds(options.Value.SessionLeaseSeconds), logger, cancellationToken);
}
