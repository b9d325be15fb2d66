namespace DxyqOpenData.SensorBridge.Adapters;

/// <summary>CRC-16/MODBUS: polynomial 0x8005 reflected (0xA001), initial 0xFFFF, no final xor. Check value of "123456789" is 0x4B37.</summary>
public static class Crc16Modbus
{
    public static ushort Compute(ReadOnlySpan<byte> data)
    {
        ushort crc = 0xFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (ushort)((crc >> 1) ^ 0xA001) : (ushort)(crc >> 1);
            }
        }
        return crc;
    }
}
