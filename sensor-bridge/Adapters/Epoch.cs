namespace DxyqOpenData.SensorBridge.Adapters;

/// <summary>Unix epoch numbers to UTC times without the exceptions of DateTimeOffset for out-of-range values.</summary>
internal static class Epoch
{
    private static readonly long MaxMilliseconds = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    public static bool TryFromMilliseconds(long milliseconds, out DateTime utc)
    {
        utc = default;
        if (milliseconds < 0 || milliseconds > MaxMilliseconds) return false;
        utc = DateTime.UnixEpoch.AddMilliseconds(milliseconds);
        return true;
    }

    public static bool TryFromSeconds(long seconds, out DateTime utc)
    {
        utc = default;
        return seconds >= 0 && seconds <= MaxMilliseconds / 1000 && TryFromMilliseconds(seconds * 1000, out utc);
    }
}
