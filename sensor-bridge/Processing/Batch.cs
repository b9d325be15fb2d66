using DxyqOpenData.SensorBridge.DeadLetters;
using DxyqOpenData.SensorBridge.Readings;

namespace DxyqOpenData.SensorBridge.Processing;

/// <summary>Why a usage session ended; <c>open</c> sessions have no end yet.</summary>
public enum SessionEndReason
{
    StateChange,
    Offline,
}

/// <summary>A sensor reported running after not running: a session starts. The key is (SensorId, StartedAt).</summary>
public sealed record SessionOpened(string SensorId, string? InstrumentId, DateTime StartedAt);

/// <summary>A session ended. Carries its start, so the sink can close (or, if it never saw the open, insert) it.</summary>
public sealed record SessionClosed(
    string SensorId, string? InstrumentId, DateTime StartedAt, DateTime EndedAt, SessionEndReason Reason)
{
    /// <summary>End − start in hours, rounded to 4 places like every stored session (0.36 s); never negative.</summary>
    public double Hours => Math.Round(Math.Max(0, (EndedAt - StartedAt).TotalHours), 4);
}

/// <summary>
/// The latest known state of a sensor's instrument; <see cref="State"/> null means offline (unknown).
/// <see cref="SessionsThrough"/>: the newest reading of the sensor the sessions have taken in (null: none by this bridge).
/// </summary>
public sealed record RunStateUpdate(string SensorId, string? InstrumentId, RunStateKind? State, DateTime LastSeenAt, DateTime? SessionsThrough = null);

/// <summary>
/// What one pass of the writer hands to the sink. Apply <see cref="Opened"/> before <see cref="Closed"/>: a session
/// can open and close within one batch. <see cref="RunStates"/> holds one (the latest) update per sensor.
/// </summary>
public sealed record Batch(
    IReadOnlyList<NormalizedReading> Readings,
    IReadOnlyList<SessionOpened> Opened,
    IReadOnlyList<SessionClosed> Closed,
    IReadOnlyList<RunStateUpdate> RunStates,
    IReadOnlyList<DeadLetter> DeadLetters)
{
    public bool IsEmpty => Readings.Count == 0 && Opened.Count == 0 && Closed.Count == 0 && RunStates.Count == 0 && DeadLetters.Count == 0;
}

/// <summary>Collects one batch's results while the engine works.</summary>
public sealed class BatchBuilder
{
    private readonly List<NormalizedReading> _readings = [];
    private readonly List<SessionOpened> _opened = [];
    private readonly List<SessionClosed> _closed = [];
    private readonly Dictionary<string, RunStateUpdate> _runStates = [];
    private readonly List<DeadLetter> _deadLetters = [];

    public void Add(NormalizedReading reading) => _readings.Add(reading);
    public void Add(SessionOpened opened) => _opened.Add(opened);
    public void Add(SessionClosed closed) => _closed.Add(closed);
    public void Add(RunStateUpdate update) => _runStates[update.SensorId] = update;
    public void Add(DeadLetter letter) => _deadLetters.Add(letter);

    public Batch Build() => new([.. _readings], [.. _opened], [.. _closed], [.. _runStates.Values], [.. _deadLetters]);
}
