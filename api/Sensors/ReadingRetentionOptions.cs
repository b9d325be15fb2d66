using System.ComponentModel.DataAnnotations;

namespace DxyqOpenData.Api.Sensors;

/// <summary>The node's own setting in the <c>SensorBridge</c> section: how long raw readings are kept.</summary>
public sealed class ReadingRetentionOptions
{
    /// <summary>Days raw readings are kept (<c>SensorBridge:ReadingRetentionDays</c>); 0 keeps them for ever.</summary>
    [Range(0, 36_500, ErrorMessage = "SensorBridge:ReadingRetentionDays must be from {1} to {2}.")]
    public int ReadingRetentionDays { get; set; } = 30;
}
