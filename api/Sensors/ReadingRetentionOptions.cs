using System.ComponentModel.DataAnnotations;

namespace DxyqOpenData.Api.Sensors;

/// <summary>The node's own settings in the <c>SensorBridge</c> section: how long raw readings are kept, and how often they are purged.</summary>
public sealed class ReadingRetentionOptions
{
    /// <summary>Days raw readings are kept (<c>SensorBridge:ReadingRetentionDays</c>); 0 keeps them for ever.</summary>
    [Range(0, 36_500, ErrorMessage = "SensorBridge:ReadingRetentionDays must be from {1} to {2}.")]
    public int ReadingRetentionDays { get; set; } = 30;

    /// <summary>How often the readings past retention are purged, by one node of several (<c>SensorBridge:ReadingRetentionInterval</c>).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "SensorBridge:ReadingRetentionInterval must be from {1} to {2}.")]
    public TimeSpan ReadingRetentionInterval { get; set; } = TimeSpan.FromHours(1);
}
