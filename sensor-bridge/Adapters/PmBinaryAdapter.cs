using System.Buffers.Binary;
using DxyqOpenData.SensorBridge.Readings;

namespace DxyqOpenData.SensorBridge.Adapters;

/// <summary>
/// <c>pm-binary</c>: a 21-byte frame from industrial power meters. Big-endian fields:
/// magic <c>D5 01</c>, u32 seq, u64 epoch milliseconds, u8 state (0 off, 1 standby, 2 running),
/// u32 power in 0.1 W (<c>FFFFFFFF</c> = not measured), then CRC-16/MODBUS over the first 19 bytes,
/// sent low byte first as on a Modbus line.
/// </summary>
public sealed class PmBinaryAdapter : IPayloadAdapter
{
    public const int FrameLength = 21;
    public const byte Magic0 = 0xD5, Magic1 = 0x01;
    private const uint PowerNotMeasured = 0xFFFF_FFFF;

    public string Format => "pm-binary";

    public bool TryRead(ReadOnlySpan<byte> payload, out RawReading reading, out ReadFailure failure)
    {
        reading = default;
        if (payload.Length != FrameLength)
            return Fail(out failure, DeadLetterReasons.Malformed, $"frame is {payload.Length} bytes, expected {FrameLength}");
        if (payload[0] != Magic0 || payload[1] != Magic1)
            return Fail(out failure, DeadLetterReasons.Malformed, $"magic {payload[0]:X2} {payload[1]:X2}, expected D5 01");
        var expected = Crc16Modbus.Compute(payload[..19]);
        var actual = BinaryPrimitives.ReadUInt16LittleEndian(payload[19..]);
        if (expected != actual)
            return Fail(out failure, DeadLetterReasons.CrcMismatch, $"crc {actual:X4}, computed {expected:X4}");

        var seq = BinaryPrimitives.ReadUInt32BigEndian(payload[2..]);
        var milliseconds = BinaryPrimitives.ReadUInt64BigEndian(payload[6..]);
        if (milliseconds > long.MaxValue || !Epoch.TryFromMilliseconds((long)milliseconds, out var timestamp))
            return Fail(out failure, DeadLetterReasons.InvalidValue, "timestamp out of range");
        var state = payload[14] switch
        {
            0 => RunStateKind.Off,
            1 => RunStateKind.Standby,
            2 => RunStateKind.Running,
            _ => (RunStateKind?)null,
        };
        if (state is null) return Fail(out failure, DeadLetterReasons.UnknownState, $"state byte {payload[14]:X2}");
        var power = BinaryPrimitives.ReadUInt32BigEndian(payload[15..]);

        reading = new RawReading(timestamp, state.Value, power == PowerNotMeasured ? null : power / 10.0, seq);
        failure = ReadFailure.None;
        return true;
    }

    /// <summary>Builds a frame; for tests, simulators and the docs' examples.</summary>
    public static byte[] Encode(uint seq, DateTime timestamp, RunStateKind state, double? powerW)
    {
        var frame = new byte[FrameLength];
        frame[0] = Magic0;
        frame[1] = Magic1;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(2), seq);
        BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(6), (ulong)(timestamp - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerMillisecond);
        frame[14] = (byte)state;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(15), powerW is { } w ? (uint)Math.Round(w * 10) : PowerNotMeasured);
        BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(19), Crc16Modbus.Compute(frame.AsSpan(0, 19)));
        return frame;
    }

    private static bool Fail(out ReadFailure failure, string reason, string detail)
    {
        failure = new ReadFailure(reason, detail);
        return false;
    }
}
