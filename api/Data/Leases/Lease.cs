namespace DxyqOpenData.Api.Data.Leases;

/// <summary>
/// A named lease in the database: while <see cref="ExpiresAt"/> is ahead, only <see cref="Holder"/> runs the job it
/// names, across every node on the database. A holder that dies leaves it to expire.
/// </summary>
public sealed class Lease
{
    /// <summary>The job, e.g. <c>supervision-sweep</c>.</summary>
    public required string Name { get; set; }
    /// <summary>Who holds it: host, process and instance (<see cref="LeaseHolder"/>).</summary>
    public required string Holder { get; set; }
    public DateTime AcquiredAt { get; set; }
    public DateTime ExpiresAt { get; set; }
}
