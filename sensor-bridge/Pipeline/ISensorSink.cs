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
    /// Stores one batch and returns how many of its readings were new (each reading is stored once). Throwing makes the
    /// bridge retry the same batch; messages are acknowledged to an external broker only after this returns, so it is
    /// idempotent on (SensorId, StartedAt) for sessions. Readings must become readable by <see cref="ReadReadingsAsync"/>
    /// in the order their batches are stored, whichever bridge stores them.
    /// </summary>
    Task<int> WriteAsync(Batch batch, CancellationToken cancellationToken);

    /// <summary>
    /// The position of the last stored reading the sessions have seen; on first use, that of the newest stored reading
    /// (readings stored before there was a position were sessionized when they came). Called before a bridge stores any.
    /// </summary>
    Task<long> SessionsPositionAsync(CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="max"/> stored readings after position <paramref name="after"/>, in the order they were stored.</summary>
    Task<IReadOnlyList<StoredReading>> ReadReadingsAsync(long after, int max, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a batch of the sessions' side (as <see cref="WriteAsync"/>) and moves the sessions' position from
    /// <paramref name="from"/> to <paramref name="to"/>, in one transaction; false, storing nothing, when the position is
    /// not at <paramref name="from"/> any more (another bridge took the sessions over).
    /// </summary>
    Task<bool> WriteSessionsAsync(Batch batch, long from, long to, CancellationToken cancellationToken);
}
