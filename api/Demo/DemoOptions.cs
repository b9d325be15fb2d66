using System.ComponentModel.DataAnnotations;

namespace DxyqOpenData.Api.Demo;

/// <summary>The <c>Demo</c> section. The data set is a function of (Seed, Scale, Now, Node:Code) only.</summary>
public sealed class DemoOptions
{
    /// <summary>Load demo data at start-up when the database holds no units.</summary>
    public bool Enabled { get; set; } = true;
    /// <summary>Varies the whole data set; the same seed gives identical data, ids included.</summary>
    public int Seed { get; set; } = 1;
    /// <summary>Multiplies every count (1.0: the policy's own scale, 15,000 instruments).</summary>
    [Range(0.0001, 100.0, ErrorMessage = "Demo:Scale must be from {1} to {2}.")]
    public double Scale { get; set; } = 1.0;
    /// <summary>The reference date the data ends at; default today (UTC).</summary>
    public DateOnly? Now { get; set; }
}
