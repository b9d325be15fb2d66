namespace DxyqOpenData.SensorBridge.Brokers;

/// <summary>The contract's topic: <c>dxyq/v1/sensors/{sensorId}/telemetry</c>.</summary>
public static class Topics
{
    public const string Prefix = "dxyq/v1/sensors/";
    public const string Suffix = "/telemetry";
    public const string AllTelemetry = Prefix + "+" + Suffix;

    public static string Telemetry(string sensorId) => Prefix + sensorId + Suffix;

    public static bool TryParseSensorId(string topic, out string sensorId)
    {
        sensorId = "";
        if (!topic.StartsWith(Prefix, StringComparison.Ordinal) || !topic.EndsWith(Suffix, StringComparison.Ordinal)) return false;
        var id = topic[Prefix.Length..^Suffix.Length];
        if (id.Length == 0 || id.Contains('/') || id.Contains('+') || id.Contains('#')) return false;
        sensorId = id;
        return true;
    }
}
