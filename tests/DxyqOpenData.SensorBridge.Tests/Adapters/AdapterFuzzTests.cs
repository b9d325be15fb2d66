using System.Text;
using CsCheck;
using DxyqOpenData.SensorBridge.Adapters;
using DxyqOpenData.SensorBridge.Brokers;
using DxyqOpenData.SensorBridge.Readings;
using DxyqOpenData.SensorBridge.Tests.Infrastructure;

namespace DxyqOpenData.SensorBridge.Tests.Adapters;

/// <summary>
/// Random and mutated payloads to every format through the engine: nothing throws, and each message either
/// becomes a reading or lands in the dead-letter store with a reason.
/// </summary>
public sealed class AdapterFuzzTests
{
    private static readonly string[] Formats = ["canonical", "acme-json", "csv-line", "pm-binary"];
    private static readonly DateTime Now = new(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);

    private static readonly byte[][] Valid =
    [
        Encoding.UTF8.GetBytes("""{"timestamp":"2026-03-01T08:00:00+08:00","state":"running","powerW":1520.5,"seq":42}"""),
        Encoding.UTF8.GetBytes("""{"ts":1772323200000,"status":2,"v":220.0,"i":8.0,"pf":0.9,"sn":42}"""),
        Encoding.UTF8.GetBytes("42,1772323200,running,1520.5\n"),
        Convert.FromHexString("D501000000 2A0000019CA6B1DC00 02 00003B65 069B".Replace(" ", "")),
    ];

    private static void AssertEveryMessageAccountedFor(int format, byte[] payload)
    {
        var sensors = Formats.Select((f, i) => new SensorInfo($"S{i}", "I", f, TimeSpan.FromMinutes(1)));
        var driver = new EngineDriver(TimeSpan.Zero, sensors);
        driver.Receive(Topics.Telemetry($"S{format}"), payload, Now);
        driver.Advance(Now.AddMinutes(10));

        var letters = driver.DeadLetters.Snapshot();
        if (driver.Readings.Count == 1)
        {
            Assert.Empty(letters);
        }
        else
        {
            var letter = Assert.Single(letters);
            Assert.False(string.IsNullOrEmpty(letter.Reason));
            Assert.NotEqual(DeadLetterReasons.AdapterFault, letter.Reason);
            Assert.Equal(payload, letter.Payload);
        }
    }

    [Fact]
    public void Random_bytes() =>
        Gen.Select(Gen.Int[0, Formats.Length - 1], Gen.Byte.Array[0, 64])
            .Sample((format, payload) => AssertEveryMessageAccountedFor(format, payload), iter: 5000);

    [Fact]
    public void Random_text_in_json_and_csv_shapes() =>
        Gen.Select(Gen.Int[0, 2], Gen.String[Gen.Char["{}[]\":,.0123456789-eEtrufalsn ZT+"], 0, 80])
            .Sample((format, text) => AssertEveryMessageAccountedFor(format, Encoding.UTF8.GetBytes(text)), iter: 5000);

    [Fact]
    public void Mutated_valid_payloads() =>
        Gen.Select(Gen.Int[0, Formats.Length - 1], Gen.Int[0, 1000].Array[1, 4], Gen.Byte.Array[4], Gen.Int[0, 2])
            .Sample((format, positions, values, kind) =>
            {
                var payload = Valid[format].ToList();
                for (var k = 0; k < positions.Length && payload.Count > 0; k++)
                {
                    var at = positions[k] % payload.Count;
                    switch (kind)
                    {
                        case 0: payload[at] = values[k]; break;          // flip a byte
                        case 1: payload.RemoveAt(at); break;             // drop one
                        default: payload.Insert(at, values[k]); break;   // add one
                    }
                }
                AssertEveryMessageAccountedFor(format, [.. payload]);
            }, iter: 5000);

    [Fact]
    public void The_valid_seeds_are_valid()
    {
        for (var i = 0; i < Formats.Length; i++)
        {
            var sensors = Formats.Select((f, k) => new SensorInfo($"S{k}", "I", f, TimeSpan.FromMinutes(1)));
            var driver = new EngineDriver(TimeSpan.Zero, sensors);
            driver.Receive(Topics.Telemetry($"S{i}"), Valid[i], Now);
            Assert.Single(driver.Readings);
        }
    }
}
