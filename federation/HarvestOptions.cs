using System.ComponentModel.DataAnnotations;

namespace DxyqOpenData.Federation;

/// <summary>
/// <c>Federation:Harvest:*</c>; see docs/federation.md. The host binds and checks it like every other section (options
/// pattern, data annotations, at start): a wrong value stops the node with a message naming the setting.
/// </summary>
public sealed class HarvestOptions
{
    /// <summary>Whether the background harvest runs (a harvest can still be asked for: <c>POST /federation/harvest</c>).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Time between the end of one harvest and the start of the next; the first runs when the node starts.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "365.00:00:00", ErrorMessage = "Federation:Harvest:Interval must be from {1} to {2}.")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Changes asked per page (the feed gives at most 1000).</summary>
    [Range(1, ChangeFeedLimits.MaxPage, ErrorMessage = "Federation:Harvest:PageSize must be from {1} to {2}.")]
    public int PageSize { get; set; } = 500;

    /// <summary>The largest page read from a peer.</summary>
    [Range(1024, int.MaxValue, ErrorMessage = "Federation:Harvest:MaxResponseBytes must be at least {1}.")]
    public int MaxResponseBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Pages per set and harvest at most (a harvest that stops there continues next time).</summary>
    [Range(1, int.MaxValue, ErrorMessage = "Federation:Harvest:MaxPages must be at least {1}.")]
    public int MaxPages { get; set; } = 10_000;

    /// <summary>
    /// Deadline for one feed page, token included (default 30 s): harvesting is background work, so it waits far
    /// longer than a live query (whose limit is the peer's <c>Timeout</c>), and its failures do not open the live circuit.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00", ErrorMessage = "Federation:Harvest:Timeout must be from {1} to {2}.")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}
