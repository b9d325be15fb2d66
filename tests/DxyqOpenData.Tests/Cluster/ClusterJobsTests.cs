using DxyqOpenData.Api.Sensors;
using DxyqOpenData.Api.Supervision;
using Xunit.Abstractions;

namespace DxyqOpenData.Tests.Cluster;

/// <summary>
/// Background work runs once across the nodes (issue 18): with two nodes on one PostgreSQL, each job's turns are
/// counted — from the nodes' logs or the peer's side — and come at most once per 90% of the interval across both;
/// when the node holding a job's lease (the holder named in <c>leases</c>) is killed, the other takes the turns over.
/// </summary>
[Collection(ClusterJobsCollection.Name), Trait("Lane", "processes")]
public sealed class ClusterJobsTests(ClusterFixture cluster, ITestOutputHelper output)
{
    /// <summary>How long turns are counted: six intervals of each job here.</summary>
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(30);

    /// <summary>The turns node <paramref name="node"/> logged (lines starting with <paramref name="prefix"/>) from <paramref name="from"/> until <paramref name="to"/>.</summary>
    private int Turns(string prefix, int node, DateTimeOffset from, DateTimeOffset to) => cluster.Logged(node, prefix).Count(t => t >= from && t < to);

    /// <summary>At most one turn per 90% of the interval (the turn's lease) in <paramref name="span"/>, plus one for its edges.</summary>
    private static int MostTurns(TimeSpan interval, TimeSpan span) => (int)(span / (interval * 0.9)) + 1;

    [Fact]
    public async Task The_sweep_runs_once_per_interval_across_both_nodes_and_on_the_survivor_when_its_node_dies()
    {
        const string Swept = "Supervision sweep: ";
        var interval = ClusterFixture.SweepInterval;
        int Count(int node, DateTimeOffset from, DateTimeOffset to) => Turns(Swept, node, from, to);

        var from = DateTimeOffset.UtcNow;
        await Task.Delay(Window);
        var to = DateTimeOffset.UtcNow;
        var both = Count(1, from, to) + Count(2, from, to);
        output.WriteLine($"sweeps in {Window.TotalSeconds} s with two nodes: node 1 {Count(1, from, to)}, node 2 {Count(2, from, to)}");
        // Each node's timer ticks every interval: without the turn lease both would sweep each tick (~12 here). One
        // turn per 90% of the interval at most, plus one for the Window's edges; a busy machine may delay turns, not add.
        Assert.InRange(both, 1, MostTurns(interval, to - from));

        var holder = await cluster.LeaseHolderAsync(SweepService.TurnLease);
        await cluster.KillAsync(holder);
        var after = DateTimeOffset.UtcNow;
        await Task.Delay(Window);
        output.WriteLine($"sweeps by node {3 - holder} in {Window.TotalSeconds} s after node {holder} (the holder) died: {Count(3 - holder, after, DateTimeOffset.UtcNow)}");
        Assert.True(Count(3 - holder, after, DateTimeOffset.UtcNow) >= 2, "the surviving node takes the turns once the holder is gone");
        Assert.Equal(3 - holder, await cluster.LeaseHolderAsync(SweepService.TurnLease));
        await cluster.RestartAsync(holder);
    }

    [Fact]
    public async Task A_peer_is_harvested_once_per_interval_across_both_nodes_and_by_the_survivor_when_its_holder_dies()
    {
        var interval = ClusterFixture.HarvestInterval;
        var feed = $"/{ClusterFixture.Peer}/federation/changes/";
        List<(DateTime At, string Path)> Requests() => [.. cluster.Peers.Server.LogEntries
            .Where(e => e.RequestMessage.Path.StartsWith(feed, StringComparison.Ordinal))
            .Select(e => (e.RequestMessage.DateTime, e.RequestMessage.Path))];
        Task<int> HolderAsync() => cluster.LeaseHolderAsync($"harvest-turn:{ClusterFixture.Peer}");

        // A harvest asks the peer's feed once per set (each answers one empty, final page): count turns as requests / sets.
        for (var i = 0; i < 120 && Requests().Count == 0; i++) await Task.Delay(500);
        var sets = Requests().Select(r => r.Path).Distinct().Count();
        Assert.True(sets >= 3, $"the harvest asks every public set's feed; seen: {string.Join(", ", Requests().Select(r => r.Path).Distinct())}");
        var from = DateTime.UtcNow;
        await Task.Delay(Window);
        var to = DateTime.UtcNow;
        var turns = Requests().Count(r => r.At >= from && r.At < to) / (double)sets;
        output.WriteLine($"harvest turns in {Window.TotalSeconds} s with two nodes: {turns} ({sets} sets)");
        // Each node ticks every interval: without the turn lease both would harvest each tick (~12 turns here).
        Assert.InRange(turns, 1, MostTurns(interval, to - from));

        // Kill the node that has the turns: the other takes them over once the turn runs out.
        var holder = await HolderAsync();
        await cluster.KillAsync(holder);
        var after = DateTime.UtcNow;
        await Task.Delay(Window);
        var survivorTurns = Requests().Count(r => r.At >= after) / (double)sets;
        output.WriteLine($"harvest turns in {Window.TotalSeconds} s after node {holder} (the holder) died: {survivorTurns}");
        foreach (var lease in await cluster.QueryAsync("SELECT name, holder, acquired_at, expires_at FROM leases WHERE name LIKE 'harvest%'"))
        {
            output.WriteLine($"lease {lease[0]}: {lease[1]}, {lease[2]:O} to {lease[3]:O}");
        }
        Assert.True(survivorTurns >= 2, $"the surviving node takes the harvest over ({survivorTurns} turns)");
        Assert.Equal(3 - holder, await HolderAsync());
        await cluster.RestartAsync(holder);
    }

    [Fact]
    public async Task Old_readings_are_purged_once_per_interval_across_both_nodes_and_by_the_survivor_when_its_holder_dies()
    {
        const string Purged = "Sensor readings purge: ";
        var interval = ClusterFixture.PurgeInterval;
        var random = new Random(61207);

        // Readings of generated ages either side of the 30 days kept (SensorBridge:ReadingRetentionDays' default); none
        // within an hour of the cut, which moves with the clock while the test runs.
        async Task<(List<long> Old, List<long> Recent)> InsertAsync(string sensor)
        {
            var now = DateTime.UtcNow;
            var ages = Enumerable.Range(0, 40).Select(_ => random.Next(2) == 0
                ? TimeSpan.FromMinutes(random.Next(0, 30 * 24 * 60 - 60))
                : TimeSpan.FromMinutes(random.Next(30 * 24 * 60 + 60, 400 * 24 * 60))).ToList();
            var values = string.Join(", ", ages.Select((age, i) =>
                $"('{sensor}', TIMESTAMPTZ '{now - age:yyyy-MM-dd HH:mm:ss}Z', 'off', {i})"));
            await cluster.QueryAsync($"INSERT INTO sensor_readings (sensor_id, ts, state, seq) VALUES {values}");
            var seqs = ages.Select((age, i) => (Age: age, Seq: (long)i)).ToList();
            return ([.. seqs.Where(s => s.Age > TimeSpan.FromDays(30)).Select(s => s.Seq)], [.. seqs.Where(s => s.Age < TimeSpan.FromDays(30)).Select(s => s.Seq)]);
        }
        async Task AssertPurgedAsync(string sensor, List<long> old, List<long> recent)
        {
            var left = (await cluster.QueryAsync($"SELECT seq FROM sensor_readings WHERE sensor_id = '{sensor}' ORDER BY seq")).Select(r => (long)r[0]!).ToList();
            Assert.True(old.Count > 0 && recent.Count > 0, "the generated readings fall on both sides of the cut");
            Assert.Equal(recent.Order(), left);
        }

        var before = $"purge-{Guid.NewGuid():N}"[..24];
        var (old, recent) = await InsertAsync(before);
        var from = DateTimeOffset.UtcNow;
        await Task.Delay(Window);
        var to = DateTimeOffset.UtcNow;
        int[] counts = [Turns(Purged, 1, from, to), Turns(Purged, 2, from, to)];
        output.WriteLine($"purges in {Window.TotalSeconds} s with two nodes: node 1 {counts[0]}, node 2 {counts[1]}");
        // Without the turn lease both nodes would purge each interval (~12 here). At least two: the later one took its
        // turn 90% of an interval after the first, which was logged after the readings were in (a purge takes ms here).
        Assert.InRange(counts.Sum(), 2, MostTurns(interval, to - from));
        await AssertPurgedAsync(before, old, recent);

        // Kill the node that has the turns; the other purges once the turn runs out, readings inserted after the kill too.
        var holder = await cluster.LeaseHolderAsync(ReadingRetentionService.TurnLease);
        await cluster.KillAsync(holder);
        var later = $"purge-{Guid.NewGuid():N}"[..24];
        (old, recent) = await InsertAsync(later);
        var after = DateTimeOffset.UtcNow;
        await Task.Delay(Window);
        var end = DateTimeOffset.UtcNow;
        var survivor = Turns(Purged, 3 - holder, after, end);
        output.WriteLine($"purges by node {3 - holder} in {Window.TotalSeconds} s after node {holder} (the holder) died: {survivor}");
        Assert.InRange(survivor, 2, MostTurns(interval, end - after));
        Assert.Equal(3 - holder, await cluster.LeaseHolderAsync(ReadingRetentionService.TurnLease));
        await AssertPurgedAsync(later, old, recent);
        await cluster.RestartAsync(holder);
    }
}
