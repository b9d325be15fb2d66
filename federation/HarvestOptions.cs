using Microsoft.Extensions.Configuration;

namespace DxyqOpenData.Federation;

/// <summary><c>Federation:Harvest:*</c>; see docs/federation.md.</summary>
public sealed class HarvestOptions
{
    /// <summary>Whether the background harvest runs (a harvest can still be asked for: <c>POST /federation/harvest</c>).</summary>
    public bool Enabled { get; init; } = true;
    /// <summary>Time between the end of one harvest and the start of the next; the first runs when the node starts.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Changes asked per page (the feed gives at most 1000).</summary>
    public int PageSize { get; init; } = 500;
    /// <summary>The largest page read from a peer.</summary>
    public int MaxResponseBytes { get; init; } = 16 * 1024 * 1024;
    /// <summary>Pages per set and harvest at most (a harvest that stops there continues next time).</summary>
    public int MaxPages { get; init; } = 10_000;
    /// <summary>
    /// Deadline for one feed page, token included (default 30 s): harvesting is background work, so it waits far
    /// longer than a live query (whose limit is the peer's <c>Timeout</c>), and its failures do not open the live circuit.
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    public static HarvestOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection("Federation:Harvest");
        var options = new HarvestOptions
        {
            Enabled = section.GetValue<bool?>("Enabled") ?? true,
            Interval = section.GetValue<TimeSpan?>("Interval") ?? TimeSpan.FromMinutes(5),
            PageSize = section.GetValue<int?>("PageSize") ?? 500,
            MaxResponseBytes = section.GetValue<int?>("MaxResponseBytes") ?? 16 * 1024 * 1024,
            MaxPages = section.GetValue<int?>("MaxPages") ?? 10_000,
            Timeout = section.GetValue<TimeSpan?>("Timeout") ?? TimeSpan.FromSeconds(30),
        };
        if (options.Timeout <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("Federation:Harvest:Timeout must be > 0.");
        }
        if (options.Interval <= TimeSpan.Zero || options.PageSize is < 1 or > ChangeFeedLimits.MaxPage || options.MaxResponseBytes < 1024 || options.MaxPages < 1)
        {
            throw new InvalidOperationException($"Federation:Harvest: Interval > 0, PageSize 1..{ChangeFeedLimits.MaxPage}, MaxResponseBytes >= 1024, MaxPages >= 1.");
        }
        return options;
    }
}
