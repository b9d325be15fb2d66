namespace DxyqOpenData.Api.Demo;

/// <summary>
/// A seeded random source with the helpers the generators share. Streams are derived from (seed, stream, index) with
/// SplitMix64, never from HashCode (randomized per process) or Guid.NewGuid(), so a seed always gives the same data.
/// </summary>
internal sealed class DemoRandom(int seed, params long[] stream)
{
    private readonly Random _random = new(Derive(seed, stream));

    public static int Derive(int seed, params long[] stream)
    {
        var x = (ulong)(uint)seed;
        foreach (var s in stream)
        {
            x = Mix(x ^ (ulong)s * 0x9E3779B97F4A7C15UL);
        }
        return (int)(Mix(x) & 0x7FFF_FFFF);
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public double NextDouble() => _random.NextDouble();

    public int Next(int maxExclusive) => _random.Next(maxExclusive);

    public int Next(int min, int maxExclusive) => _random.Next(min, maxExclusive);

    public bool Chance(double p) => _random.NextDouble() < p;

    public double Uniform(double min, double max) => min + (max - min) * _random.NextDouble();

    public T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    public double Gaussian()
    {
        var u1 = 1.0 - _random.NextDouble();
        var u2 = _random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Log-normal with the given median.</summary>
    public double LogNormal(double median, double sigma) => median * Math.Exp(sigma * Gaussian());

    /// <summary>A random-looking but seeded RFC 4122 version-4 Guid.</summary>
    public Guid NextGuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        _random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    public string Digits(int count)
    {
        Span<char> chars = stackalloc char[count];
        for (var i = 0; i < count; i++)
        {
            chars[i] = (char)('0' + _random.Next(10));
        }
        return new string(chars);
    }

    /// <summary>Rounds to an integer at random in proportion to the fraction, so sums stay right at any scale.</summary>
    public int StochasticRound(double value)
    {
        var floor = Math.Floor(value);
        return (int)floor + (_random.NextDouble() < value - floor ? 1 : 0);
    }
}

/// <summary>Picks an index in proportion to non-negative weights (binary search over the running sum).</summary>
internal sealed class WeightedPicker
{
    private readonly double[] _cumulative;

    public WeightedPicker(IEnumerable<double> weights)
    {
        var total = 0.0;
        _cumulative = weights.Select(w => total += w).ToArray();
    }

    public int Pick(DemoRandom random)
    {
        var target = random.NextDouble() * _cumulative[^1];
        var index = Array.BinarySearch(_cumulative, target);
        return Math.Min(index < 0 ? ~index : index + 1, _cumulative.Length - 1);
    }
}
