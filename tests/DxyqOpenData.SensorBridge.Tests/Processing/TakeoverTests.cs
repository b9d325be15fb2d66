using CsCheck;
using DxyqOpenData.SensorBridge.Adapters;
using DxyqOpenData.SensorBridge.DeadLetters;
using DxyqOpenData.SensorBridge.Pipeline;
using DxyqOpenData.SensorBridge.Processing;
using DxyqOpenData.SensorBridge.Readings;
using DxyqOpenData.SensorBridge.Tests.Infrastructure;

namespace DxyqOpenData.SensorBridge.Tests.Processing;

/// <summary>
/// The sessions taken over from a holder that died (docs/sensors.md, "Several bridges"), at the engine: a first engine
/// offers stored readings with their positions and, every few reads, what it made is stored with the oldest position
/// still waiting in its windows (less one) and each sensor's newest reading taken in; it dies at a generated point,
/// losing what was not stored. A second engine, its sensors as storage then says, offers the readings after the stored
/// position. Generated streams (runs ended by a state change or by a gap longer than the heartbeat), storage orders
/// (a sensor's readings now and then stored out of order, as by two bridges), read sizes and deaths: storage ends with
/// the sessions and hours of one engine that never died, each session once.
/// </summary>
public sealed class TakeoverTests
{
    private static readonly DateTime Start = new(2026, 3, 1, 2, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(100);
    private static readonly string[] SensorIds = ["S1", "S2", "S3"];

    /// <summary>What storage holds, kept as the node's sink keeps it: sessions by (sensor, start), a session's hours counted when its end is new.</summary>
    private sealed class Storage
    {
        public Dictionary<(string Sensor, DateTime Start), (DateTime? End, string Reason)> Sessions { get; } = [];
        public double Hours { get; private set; }
        public long Position { get; private set; }
        private readonly Dictionary<string, (DateTime LastSeen, DateTime? Through)> _sensors = [];

        public void Store(Batch batch, long position)
        {
            foreach (var opened in batch.Opened)
            {
                var key = (opened.SensorId, opened.StartedAt);
                Sessions[key] = (Sessions.TryGetValue(key, out var known) ? known.End : null, "open");
            }
            foreach (var closed in batch.Closed)
            {
                var key = (closed.SensorId, closed.StartedAt);
                if (!Sessions.TryGetValue(key, out var known) || known.End != closed.EndedAt) Hours += closed.Hours;
                Sessions[key] = (closed.EndedAt, closed.Reason.ToString());
            }
            foreach (var update in batch.RunStates)
            {
                _sensors[update.SensorId] = (update.LastSeenAt, update.SessionsThrough ?? _sensors.GetValueOrDefault(update.SensorId).Through);
            }
            Position = position;
        }

        public SensorInfo Info(string id)
        {
            var open = Sessions.Where(s => s.Key.Sensor == id && s.Value.Reason == "open").Select(s => (DateTime?)s.Key.Start).Max();
            var known = _sensors.TryGetValue(id, out var sensor);
            return new SensorInfo(id, "I-" + id, "canonical", EngineDriver.Heartbeat, OpenSessionStartedAt: open,
                LastReadingAt: known ? sensor.LastSeen : null, SessionsThrough: known ? sensor.Through : null);
        }
    }

    private sealed record Case(List<StoredReading> Stored, int ReadSize, int StoreEvery, int DiesAfter);

    /// <summary>A sensor's readings 10 s apart: idle spells and runs; a run ends with an idle reading or a 5-minute gap; ends off.</summary>
    private static Gen<List<NormalizedReading>> Stream(string id) =>
        Gen.Select(Gen.Int[1, 4], Gen.Int[1, 8], Gen.Bool).Array[1, 5].Select(segments =>
        {
            var readings = new List<NormalizedReading>();
            var t = Start;
            long seq = 0;
            void Emit(RunStateKind state) { readings.Add(new NormalizedReading(id, "I-" + id, t, state, 100, ++seq)); t = t.AddSeconds(10); }
            foreach (var (idle, run, gap) in segments)
            {
                for (var i = 0; i < idle; i++) Emit(i % 2 == 0 ? RunStateKind.Off : RunStateKind.Standby);
                for (var i = 0; i < run; i++) Emit(RunStateKind.Running);
                if (gap) t = t.AddMinutes(5);
            }
            Emit(RunStateKind.Off);
            return readings;
        });

    private static readonly Gen<Case> Cases =
        Gen.Select(Stream("S1"), Stream("S2"), Stream("S3"), Gen.Int.Array[120])
            .SelectMany(g => Gen.Select(Gen.Int[1, 6], Gen.Int[1, 4], Gen.Int[1, 60], (read, store, dies) =>
            {
                // The storage order: the sensors' readings interleaved by the picks, and now and then a sensor's reading
                // stored just after its next one (two bridges' batches): passed readings then sit above older ones still
                // waiting, and the successor reads them again.
                var (s1, s2, s3, picks) = g;
                var queues = new[] { new Queue<NormalizedReading>(s1), new Queue<NormalizedReading>(s2), new Queue<NormalizedReading>(s3) };
                var order = new List<NormalizedReading>();
                for (var i = 0; queues.Any(q => q.Count > 0); i++)
                {
                    var open = queues.Where(q => q.Count > 0).ToList();
                    order.Add(open[(int)((uint)picks[i % picks.Length] % open.Count)].Dequeue());
                }
                for (var i = 0; i < order.Count; i++)
                {
                    // Within three places: read within the settling time of each other, so never late.
                    var next = order.FindIndex(i + 1, Math.Min(3, order.Count - i - 1), r => r.SensorId == order[i].SensorId);
                    if (next > 0 && picks[(i * 7) % picks.Length] % 3 == 0) (order[i], order[next]) = (order[next], order[i]);
                }
                return new Case([.. order.Select((r, i) => new StoredReading(i + 1, r))], read, store, dies);
            }));

    [Fact]
    public void A_holder_that_dies_loses_nothing_and_its_successor_counts_nothing_twice()
    {
        Cases.Sample(c =>
        {
            var alone = new Storage();
            var now = Run(c, alone, dieAfter: null, Start.AddDays(1));

            var taken = new Storage();
            var died = Run(c, taken, c.DiesAfter, Start.AddDays(1));
            // The lease runs out; the next holder carries on from storage.
            Run(c, taken, dieAfter: null, died + TimeSpan.FromSeconds(15));

            Assert.Equal(alone.Sessions.OrderBy(s => s.Key).Select(s => $"{s.Key} {s.Value}"), taken.Sessions.OrderBy(s => s.Key).Select(s => $"{s.Key} {s.Value}"));
            Assert.Equal(alone.Hours, taken.Hours, 9);
            Assert.All(alone.Sessions.Values, s => Assert.NotEqual("open", s.Reason));
        }, iter: 300);
    }

    /// <summary>
    /// A holder as <c>SessionWriter</c> runs it: reads <see cref="Case.ReadSize"/> readings a step, stores every
    /// <see cref="Case.StoreEvery"/> steps; dies after <paramref name="dieAfter"/> steps (what it had not stored is lost)
    /// or, once every reading is read, stops as a clean stop does (passes everything on, stores). Returns its clock.
    /// </summary>
    private static DateTime Run(Case c, Storage storage, int? dieAfter, DateTime now)
    {
        using var metrics = new BridgeMetrics();
        var engine = new BridgeEngine(AdapterRegistry.CreateDefault(), new DeadLetterStore(100), metrics, TimeSpan.Zero, TimeSpan.FromMinutes(5), Settle);
        engine.UseSensors(SensorIds.ToDictionary(id => id, storage.Info));
        var read = storage.Position;
        var batch = new BatchBuilder();
        for (var step = 1; ; step++, now += Step)
        {
            var readings = c.Stored.Where(r => r.Position > read).Take(c.ReadSize).ToList();
            foreach (var reading in readings) engine.Offer(reading.Reading, now, batch, reading.Position);
            if (readings.Count > 0) read = readings[^1].Position;
            var stopping = readings.Count == 0;
            engine.Advance(stopping ? now + Settle : now, batch);
            if (step == dieAfter) return now;
            if (stopping || step % c.StoreEvery == 0)
            {
                storage.Store(batch.Build(), engine.OldestWaiting is { } waiting ? waiting - 1 : read);
                batch = new BatchBuilder();
            }
            if (stopping) return now;
        }
    }
}
