using DxyqOpenData.Benchmarks.Catalog;

namespace DxyqOpenData.Benchmarks;

/// <summary>
/// The performance targets of the issues, each measured against its baseline in the same run and printed as a
/// ratio (absolute times drift on these machines). See README.md beside this file.
/// </summary>
internal static class BenchmarkMain
{
    private static readonly Dictionary<string, Func<string[], Task<int>>> Benchmarks = new(StringComparer.OrdinalIgnoreCase)
    {
        ["catalog"] = CatalogBenchmark.RunAsync,
        ["sensors"] = Sensors.SensorsBenchmark.RunAsync,
        ["push"] = Push.PushBenchmark.RunAsync,
        ["federation"] = Federation.FederationBenchmark.RunAsync,
        ["vouchers"] = Vouchers.VouchersBenchmark.RunAsync,
        ["supervision"] = Supervision.SupervisionBenchmark.RunAsync,
        ["reports"] = Reports.ReportsBenchmark.RunAsync,
        ["cluster"] = Cluster.ClusterBenchmark.RunAsync,
    };

    public static async Task<int> Main(string[] args)
    {
        // The sensors benchmark's simulated devices, as its child process (stdout is their protocol: no header).
        if (args is ["sensors-devices", ..]) return await Sensors.Devices.RunAsync(args[1..]);
        if (args.Length == 0 || !Benchmarks.TryGetValue(args[0], out var run))
        {
            Console.Error.WriteLine($"usage: dotnet run -c Release --project tests/DxyqOpenData.Benchmarks -- <{string.Join('|', Benchmarks.Keys)}> [options]");
            return 2;
        }
        Report.Header(args[0]);
        return await run(args[1..]);
    }
}
