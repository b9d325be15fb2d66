using System.Text;
using DxyqOpenData.SensorBridge.Adapters;
using DxyqOpenData.SensorBridge.Brokers;
using DxyqOpenData.SensorBridge.DeadLetters;
using DxyqOpenData.SensorBridge.Pipeline;
using DxyqOpenData.SensorBridge.Processing;
using DxyqOpenData.SensorBridge.Readings;

namespace DxyqOpenData.SensorBridge.Tests.Infrastructure;

/// <summary>
/// Drives a <see cref="BridgeEngine"/> by hand, clock included, as the bridge does: a message to a reading
/// (<see cref="BridgeEngine.Accept"/>), stored at once, then offered to the sessions; keeps every batch it builds.
/// <see cref="Readings"/> are those stored and not dropped as duplicates by the sessions' side.
/// </summary>
public sealed class EngineDriver
{
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(60);
    private static readonly AdapterRegistry Adapters = AdapterRegistry.CreateDefault();
    private static readonly BridgeMetrics Metrics = new();

    private readonly BridgeEngine _engine;
    private readonly List<Batch> _batches = [];

    public EngineDriver(TimeSpan? window = null, IEnumerable<SensorInfo>? sensors = null)
    {
        DeadLetters = new DeadLetterStore(10_000);
        _engine = new BridgeEngine(Adapters, DeadLetters, Metrics, window ?? TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(5));
        _engine.UseSensors((sensors ?? [new SensorInfo("S1", "I1", "canonical", Heartbeat)]).ToDictionary(s => s.Id));
    }

    public DeadLetterStore DeadLetters { get; }
    private readonly List<NormalizedReading> _readings = [];

    public IReadOnlyList<NormalizedReading> Readings => _readings;
    public IReadOnlyList<SessionOpened> Opened => [.. _batches.SelectMany(b => b.Opened)];
    public IReadOnlyList<SessionClosed> Closed => [.. _batches.SelectMany(b => b.Closed)];

    public void Receive(string topic, byte[] payload, DateTime at)
    {
        var ingest = new BatchBuilder();
        _engine.Accept(new IncomingMessage(topic, payload, at), ingest);
        var stored = ingest.Build();
        var batch = new BatchBuilder();
        foreach (var letter in stored.DeadLetters) batch.Add(letter);
        foreach (var reading in stored.Readings)
        {
            if (_engine.Offer(reading, at, batch) is OfferResult.Accepted or OfferResult.Late) _readings.Add(reading);
        }
        _engine.Advance(at, batch);
        _batches.Add(batch.Build());
    }

    /// <summary>A canonical reading from sensor S1, received at <paramref name="at"/> (default: its own time).</summary>
    public void Send(DateTime timestamp, RunStateKind state, long? seq = null, DateTime? at = null) =>
        Receive(Topics.Telemetry("S1"), Canonical(timestamp, state, seq), at ?? timestamp);

    public void Advance(DateTime now)
    {
        var batch = new BatchBuilder();
        _engine.Advance(now, batch);
        _batches.Add(batch.Build());
    }

    public static byte[] Canonical(DateTime timestamp, RunStateKind state, long? seq = null) => Encoding.UTF8.GetBytes(
        $$"""{"timestamp":"{{timestamp:yyyy-MM-ddTHH:mm:ss.fffZ}}","state":"{{state.ToString().ToLowerInvariant()}}","powerW":100{{(seq is { } s ? $",\"seq\":{s}" : "")}}}""");
}
