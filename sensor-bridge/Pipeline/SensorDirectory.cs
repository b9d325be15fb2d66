using DxyqOpenData.SensorBridge.Readings;

namespace DxyqOpenData.SensorBridge.Pipeline;

/// <summary>The current sensor list, swapped whole on reload; read from broker threads for device auth.</summary>
public sealed class SensorDirectory
{
    private volatile IReadOnlyDictionary<string, SensorInfo> _sensors = new Dictionary<string, SensorInfo>();

    public IReadOnlyDictionary<string, SensorInfo> Current => _sensors;

    public void Replace(IReadOnlyDictionary<string, SensorInfo> sensors) => _sensors = sensors;

    public SensorInfo? Find(string sensorId) => _sensors.GetValueOrDefault(sensorId);
}
