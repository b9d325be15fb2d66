namespace DxyqOpenData.Api.Data.Leases;

/// <summary>This process's name as a lease holder: unique per start, so a restarted node waits for its old lease to expire.</summary>
public sealed class LeaseHolder
{
    public string Id { get; } = Truncate($"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}");

    private static string Truncate(string id) => id.Length <= 200 ? id : id[^200..];
}
