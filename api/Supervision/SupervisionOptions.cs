using System.ComponentModel.DataAnnotations;

namespace DxyqOpenData.Api.Supervision;

/// <summary>The <c>Supervision</c> section: the sweep's schedule and the rules' settings (docs/supervision.md).</summary>
public sealed class SupervisionOptions : IValidatableObject
{
    public SweepOptions Sweep { get; set; } = new();

    /// <summary>A linked active sensor silent longer than this raises <c>sensorOffline</c>.</summary>
    public TimeSpan SensorOfflineAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Rated machine hours a year of an instrument that declares none (8 h on 200 working days).</summary>
    public double DefaultRatedHoursPerYear { get; set; } = 1600;

    public sealed class SweepOptions
    {
        /// <summary>Run the sweep in the background; the admin route runs it on demand either way.</summary>
        public bool Enabled { get; set; } = true;

        public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(15);

        /// <summary>How long a sweep's lease lasts: a node killed mid-sweep blocks the others at most this long.</summary>
        public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);
    }

    /// <summary>The values that would make the sweep misbehave, each named by its setting.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        Problems().Select(p => new ValidationResult(p));

    private IEnumerable<string> Problems()
    {
        if (Sweep.Interval < TimeSpan.FromSeconds(1))
        {
            yield return "Supervision:Sweep:Interval must be at least 1 second.";
        }
        if (Sweep.Lease < TimeSpan.FromSeconds(1))
        {
            yield return "Supervision:Sweep:Lease must be at least 1 second.";
        }
        if (SensorOfflineAfter <= TimeSpan.Zero)
        {
            yield return "Supervision:SensorOfflineAfter must be positive.";
        }
        if (DefaultRatedHoursPerYear is <= 0 or > 8784)
        {
            yield return "Supervision:DefaultRatedHoursPerYear must be above 0 and at most 8784.";
        }
    }
}
