using DxyqOpenData.SensorBridge.Processing;
using DxyqOpenData.SensorBridge.Readings;

namespace DxyqOpenData.SensorBridge.Pipeline;

/// <summary>
/// What the host implements: where sensors come from and where results go. The bridge resolves it from a new DI
/// scope for each call, so an implementation may take a scoped DbContext.
/// </summary>
public interface ISensorSink
{
    /// <summary>Every sensor the bridge should accept, by id, with any session still open in storage.</summary>
    Task<IReadOnlyDictionary<string, SensorInfo>> LoadSensorsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stores one batch. Throwing makes the bridge retry the same batch; messages are acknowledged to an external
    /// broker only after this returns, so it should be idempotent on (SensorId, StartedAt) for sessions.
    /// </summary>
    Task WriteAsync(Batch batch, CancellationToken cancellationToken);
}
