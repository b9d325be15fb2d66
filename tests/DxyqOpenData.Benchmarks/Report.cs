using System.Diagnostics;

namespace DxyqOpenData.Benchmarks;

/// <summary>Latency samples and the printed report: our figure, its baseline, the ratio, the target.</summary>
public static class Report
{
    public static void Header(string name)
    {
        Console.WriteLine($"# benchmark: {name}");
        Console.WriteLine($"# machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
    }

    public static void Line(string what, string figure, string? baseline = null, string? ratio = null, string? target = null, bool? met = null)
    {
        var verdict = met switch { true => "MET", false => "MISSED", null => "" };
        Console.WriteLine($"{what,-46} {figure,14} {baseline ?? "",14} {ratio ?? "",8}  {target ?? ""} {verdict}".TrimEnd());
    }

    public static void Columns() => Console.WriteLine($"{"measure",-46} {"ours",14} {"baseline",14} {"ratio",8}  target");
}

/// <summary>Per-request latencies of one endpoint, and its throughput over the time they took.</summary>
public sealed class Samples
{
    private readonly List<double> _milliseconds = [];
    private readonly Stopwatch _busy = new();
    private long _requests;

    public void Add(double ms) { lock (_milliseconds) { _milliseconds.Add(ms); } }
    public void Count(long requests) => Interlocked.Add(ref _requests, requests);
    public Stopwatch Busy => _busy;

    public double Percentile(double p)
    {
        var sorted = _milliseconds.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    public double PerSecond => _requests / _busy.Elapsed.TotalSeconds;

    /// <summary>
    /// CPU time of this whole process (node and its clients) while these samples were taken. Unlike wall-clock
    /// throughput it does not drop when other processes take the cores.
    /// </summary>
    public TimeSpan Cpu { get; set; }

    public double CpuMillisecondsPerRequest => Cpu.TotalMilliseconds / _requests;
}
