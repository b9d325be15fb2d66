using System.Text;
using DxyqOpenData.SensorBridge.Adapters;
using DxyqOpenData.SensorBridge.Readings;

namespace DxyqOpenData.SensorBridge.Tests.Adapters;

/// <summary>Each adapter against the examples in docs/sensors.md.</summary>
public sealed class AdapterExampleTests
{
    private static readonly AdapterRegistry Adapters = AdapterRegistry.CreateDefault();
    private static readonly DateTime March1 = new(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData("canonical", """{"timestamp":"2026-03-01T08:00:00+08:00","state":"running","powerW":1520.5,"seq":42}""", "running", 1520.5, 42L)]
    [InlineData("canonical", """{"timestamp":"2026-03-01T00:00:00Z","state":"standby"}""", "standby", null, null)]
    [InlineData("acme-json", """{"ts":1772323200000,"status":2,"v":220.0,"i":8.0,"pf":0.9,"sn":42}""", "running", 1584.0, 42L)]
    [InlineData("acme-json", """{"ts":1772323200000,"status":1,"v":220.0,"i":0.5}""", "standby", 99.0, null)]
    [InlineData("csv-line", "42,1772323200,running,1520.5\n", "running", 1520.5, 42L)]
    [InlineData("csv-line", ",1772323200,off,", "off", null, null)]
    [InlineData("pm-binary", "D5 01 00 00 00 2A 00 00 01 9C A6 B1 DC 00 02 00 00 3B 65 06 9B", "running", 1520.5, 42L)]
    public void Reads_the_documented_example(string format, string payload, string state, double? powerW, long? seq)
    {
        var bytes = format == "pm-binary" ? Convert.FromHexString(payload.Replace(" ", "")) : Encoding.UTF8.GetBytes(payload);

        Assert.True(Adapters.Find(format)!.TryRead(bytes, out var reading, out var failure), failure.Detail);

        Assert.Equal(March1, reading.Timestamp);
        Assert.Equal(DateTimeKind.Utc, reading.Timestamp.Kind);
        Assert.Equal(Enum.Parse<RunStateKind>(state, ignoreCase: true), reading.State);
        Assert.Equal(powerW, reading.PowerW);
        Assert.Equal(seq, reading.Seq);
    }

    [Fact]
    public void Pm_binary_without_power_reads_null_watts()
    {
        var frame = Convert.FromHexString("D501000000 2B0000019CA6B2C660 00 FFFFFFFF 5F61".Replace(" ", ""));
        Assert.True(new PmBinaryAdapter().TryRead(frame, out var reading, out _));
        Assert.Equal((43L, RunStateKind.Off, (double?)null, March1.AddMinutes(1)), (reading.Seq!.Value, reading.State, reading.PowerW, reading.Timestamp));
    }

    [Theory]
    [InlineData("canonical", """{"timestamp":"2026-03-01T08:00:00","state":"running"}""", DeadLetterReasons.InvalidValue)]
    [InlineData("canonical", """{"timestamp":"2026-03-01T08:00:00Z","state":"busy"}""", DeadLetterReasons.UnknownState)]
    [InlineData("canonical", """{"timestamp":"2026-03-01T08:00:00Z","state":"running"} x""", DeadLetterReasons.Malformed)]
    [InlineData("acme-json", """{"ts":1772323200000,"status":9}""", DeadLetterReasons.UnknownState)]
    [InlineData("acme-json", """{"ts":1772323200000,"status":2,"v":220}""", DeadLetterReasons.InvalidValue)]
    [InlineData("acme-json", """[1,2]""", DeadLetterReasons.Malformed)]
    [InlineData("csv-line", "42,1772323200,running", DeadLetterReasons.Malformed)]
    [InlineData("csv-line", "42,1772323200,busy,1", DeadLetterReasons.UnknownState)]
    [InlineData("csv-line", "-1,1772323200,off,1", DeadLetterReasons.InvalidValue)]
    [InlineData("pm-binary", "D5 01 00 00 00 2A 00 00 01 9C A6 B1 DC 00 02 00 00 3B 65 06 9C", DeadLetterReasons.CrcMismatch)]
    [InlineData("pm-binary", "D5 02 00 00 00 2A 00 00 01 9C A6 B1 DC 00 02 00 00 3B 65 06 9B", DeadLetterReasons.Malformed)]
    [InlineData("pm-binary", "D5 01 00", DeadLetterReasons.Malformed)]
    public void Refuses_with_a_reason(string format, string payload, string reason)
    {
        var bytes = format == "pm-binary" ? Convert.FromHexString(payload.Replace(" ", "")) : Encoding.UTF8.GetBytes(payload);

        Assert.False(Adapters.Find(format)!.TryRead(bytes, out _, out var failure));
        Assert.Equal(reason, failure.Reason);
        Assert.NotEmpty(failure.Detail);
    }

    [Fact]
    public void Crc16_modbus_check_value() => Assert.Equal(0x4B37, Crc16Modbus.Compute("123456789"u8));

    [Fact]
    public void Encoder_and_reader_agree()
    {
        var frame = PmBinaryAdapter.Encode(42, March1, RunStateKind.Running, 1520.5);
        Assert.Equal("D501000000 2A0000019CA6B1DC00 02 00003B65 069B".Replace(" ", ""), Convert.ToHexString(frame));
    }

    [Fact]
    public void Every_demo_format_has_an_adapter()
    {
        // The formats api/Demo/Vocabulary/sensors.json gives the demo sensors.
        foreach (var format in new[] { "canonical", "acme-json", "csv-line", "pm-binary" })
        {
            Assert.NotNull(Adapters.Find(format));
        }
    }
}
