namespace DxyqOpenData.SensorBridge.DeadLetters;

/// <summary>A message the bridge could not use, kept as received so it can be inspected or replayed.</summary>
public sealed record DeadLetter(string Topic, byte[] Payload, string Reason, string Detail, DateTime ReceivedAt);

/// <summary>The last <c>capacity</c> dead letters in memory; when full the oldest is dropped. Thread-safe.</summary>
public sealed class DeadLetterStore(int capacity)
{
    private readonly Queue<DeadLetter> _letters = new();
    private readonly Lock _gate = new();
    private long _total;

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity));

    /// <summary>Every dead letter ever added, including the ones since dropped.</summary>
    public long Total => Interlocked.Read(ref _total);

    public void Add(DeadLetter letter)
    {
        lock (_gate)
        {
            if (_letters.Count == Capacity) _letters.Dequeue();
            _letters.Enqueue(letter);
            _total++;
        }
    }

    /// <summary>The kept letters, oldest first.</summary>
    public IReadOnlyList<DeadLetter> Snapshot()
    {
        lock (_gate) return [.. _letters];
    }
}
