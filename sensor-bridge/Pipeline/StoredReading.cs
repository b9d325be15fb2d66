using DxyqOpenData.SensorBridge.Readings;

namespace DxyqOpenData.SensorBridge.Pipeline;

/// <summary>A reading as stored, with its position in the order readings were stored.</summary>
public sealed record StoredReading(long Position, NormalizedReading Reading);
