using DxyqOpenData.Api.Commands;
using DxyqOpenData.SensorBridge.Adapters;
using DxyqOpenData.SensorBridge.Readings;

namespace DxyqOpenData.Tests.Sensors;

/// <summary>The simulator speaks every vendor format as the bridge's adapters read it, and its garbage is refused.</summary>
public sealed class SimulateSensorsCommandTests
{
    private static readonly AdapterRegistry Adapters = AdapterRegistry.CreateDefault();

    [Theory]
    [InlineData("canonical")]
    [InlineData("acme-json")]
    [InlineData("csv-line")]
    [InlineData("pm-binary")]
    public void Each_format_reads_back_as_the_reading_simulated(string format)
    {
        var at = new DateTime(2026, 3, 1, 2, 3, 4, 500, DateTimeKind.Utc);
        var adapter = Adapters.Find(format)!;
        foreach (var state in new[] { RunStateKind.Off, RunStateKind.Standby, RunStateKind.Running })
        {
            var payload = SimulateSensorsCommand.Payload(format, 42, at, state, 1234.5);
            Assert.True(adapter.TryRead(payload, out var reading, out var failure), $"{format} {state}: {failure}");
            Assert.Equal(state, reading.State);
            Assert.Equal(42L, reading.Seq);
            Assert.Equal(1234.5, reading.PowerW!.Value, 0);
            // csv-line carries whole seconds; the others milliseconds.
            Assert.Equal(format == "csv-line" ? at.AddMilliseconds(-500) : at, reading.Timestamp);
        }
    }

    [Theory]
    [InlineData("canonical")]
    [InlineData("acme-json")]
    [InlineData("csv-line")]
    [InlineData("pm-binary")]
    public void Garbage_is_refused_by_the_adapter(string format)
    {
        var random = new Random(7);
        for (var i = 0; i < 10; i++)
        {
            Assert.False(Adapters.Find(format)!.TryRead(SimulateSensorsCommand.Garbage(format, random, i, DateTime.UtcNow), out _, out _));
        }
    }

    [Theory]
    [InlineData("--count 5 --interval 2 --broker localhost:1883", true)]
    [InlineData("--count 5 --interval 0.5 --broker 10.0.0.1:18830 --duration 60", true)]
    [InlineData("--count 0 --interval 2 --broker localhost:1883", false)]
    [InlineData("--count 5 --broker localhost:1883", false)]
    [InlineData("--count 5 --interval 2 --broker localhost", false)]
    [InlineData("--count 5 --interval 2 --bogus 1", false)]
    public void Arguments_are_checked(string args, bool valid) =>
        Assert.Equal(valid, SimulateSensorsCommand.TryParse(args.Split(' '), out _, out _));
}
