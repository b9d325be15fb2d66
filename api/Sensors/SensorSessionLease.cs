using DxyqOpenData.Api.Data.Leases;
using DxyqOpenData.SensorBridge.Pipeline;

namespace DxyqOpenData.Api.Sensors;

/// <summary>
/// The sessions' lease in the database: of the nodes whose bridges share it, one turns stored readings into sessions
/// (docs/sensors.md, "Several bridges"). A node that dies holding it loses it after <see cref="Duration"/>.
/// </summary>
internal sealed class SensorSessionLease(IServiceScopeFactory scopes, ILogger<SensorSessionLease> logger) : ISessionLease
{
    public const string Name = "sensor-sessions";

    /// <summary>Renewed every third of it; what sessions wait after their node died before another node takes them up.</summary>
    public static readonly TimeSpan Duration = TimeSpan.FromSeconds(15);

    // Not tied to the host's stopping token: a clean stop gives the lease back at once instead of letting it run out.
    public async Task<IAsyncDisposable?> TryTakeAsync(CancellationToken cancellationToken) =>
        await LeaseHold.TryTakeAsync(scopes, Name, Duration, logger, cancellationToken);
}
