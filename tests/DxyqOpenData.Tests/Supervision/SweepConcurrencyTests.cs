using System.Net;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Data.Leases;
using DxyqOpenData.Api.Supervision;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DxyqOpenData.Tests.Supervision;

/// <summary>
/// The sweep over the demo data on two nodes sharing one database: sweeps started together never both run and never
/// duplicate an alert; a sweep killed at any point leaves all or nothing; a node that died holding the lease blocks
/// the others only until the lease expires. The demo's alerts themselves come from the sweep.
/// </summary>
public abstract class SweepConcurrencyTests(DatabaseProvider provider)
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Demo:Enabled"] = "true",
        ["Supervision:Sweep:Enabled"] = "false",
        ["Supervision:Sweep:Lease"] = "00:00:30",
    };

    private static Task<long> CountAsync(NodeFactory node, string where) => node.ScalarAsync<long>($"SELECT COUNT(*) FROM alerts WHERE {where}");

    /// <summary>Open alerts that share an instrument and rule: never any.</summary>
    private static Task<long> DuplicatesAsync(NodeFactory node) => node.ScalarAsync<long>(
        "SELECT COUNT(*) FROM (SELECT instrument_id, kind FROM alerts WHERE resolved_at IS NULL GROUP BY instrument_id, kind HAVING COUNT(*) > 1) d");

    [Fact]
    public async Task Sweeps_started_together_on_two_nodes_or_killed_midway_duplicate_and_lose_nothing()
    {
        var clock = new TestClock(DateTimeOffset.UtcNow);
        await using var first = new NodeFactory(provider, Settings) { Clock = clock };
        var anonymous = first.CreateClient();
        var admin1 = first.WithToken(await anonymous.TokenAsync(await first.AddClientAsync("admin")));
        await using var second = new NodeFactory(provider, Settings, first.ConnectionString) { Clock = clock };
        var admin2 = second.WithToken(await second.CreateClient().TokenAsync(await second.AddClientAsync("admin")));

        // The demo load swept once: its alerts are the sweep's (every rule's texts, clearedBy set), and a second sweep changes nothing.
        var open = await CountAsync(first, "resolved_at IS NULL");
        Assert.True(open > 0, "the demo data breaks some rules on purpose");
        Assert.Equal(0, await CountAsync(first, "cleared_by IS NULL"));
        var again = await SupervisionNode.Ok(await admin1.PostAsync("/api/v1/supervision/sweep", null));
        Assert.Equal((0, 0), (again["raised"]!.GetValue<int>(), again["resolved"]!.GetValue<int>()));
        Assert.Equal(open, again["open"]!.GetValue<int>());

        // Forget every alert, then sweep from both nodes at once, several times: each sweep runs whole or is refused (409).
        await ExecuteAsync(first, "DELETE FROM alerts");
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => (i % 2 == 0 ? admin1 : admin2).PostAsync("/api/v1/supervision/sweep", null)));
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.Conflict }));
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
        var raised = 0;
        foreach (var r in responses.Where(r => r.StatusCode == HttpStatusCode.OK))
        {
            raised += (await SupervisionNode.Ok(r))["raised"]!.GetValue<int>();
        }
        Assert.Equal(open, raised);
        Assert.Equal(open, await CountAsync(first, "resolved_at IS NULL"));
        Assert.Equal(0, await DuplicatesAsync(first));

        // Killed at generated moments: the alerts are all there or none, never part.
        var random = new Random(15);
        for (var round = 0; round < 6; round++)
        {
            await ExecuteAsync(first, "DELETE FROM alerts");
            using var kill = new CancellationTokenSource(TimeSpan.FromMilliseconds(random.Next(0, 120)));
            try
            {
                await using var scope = first.Services.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<AlertSweep>().RunAsync(kill.Token);
            }
            catch (OperationCanceledException)
            {
            }
            var after = await CountAsync(first, "1 = 1");
            Assert.True(after == 0 || after == open, $"round {round}: {after} alerts after a killed sweep (expected 0 or {open})");
        }

        // A node that died holding the lease: the others are refused until it expires (by the shared clock), then sweep whole.
        await ExecuteAsync(first, "DELETE FROM alerts");
        await using (var scope = first.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
            await db.Set<Lease>().Where(l => l.Name == AlertSweep.LeaseName).ExecuteUpdateAsync(u => u
                .SetProperty(l => l.Holder, "dead-node/1/0")
                .SetProperty(l => l.ExpiresAt, clock.Now.UtcDateTime.AddSeconds(30)));
        }
        var refused = await SupervisionNode.Ok(await admin2.PostAsync("/api/v1/supervision/sweep", null), HttpStatusCode.Conflict);
        Assert.Contains("dead-node/1/0", refused["detail"]!.GetValue<string>());
        clock.Advance(TimeSpan.FromSeconds(31));
        var resumed = await SupervisionNode.Ok(await admin2.PostAsync("/api/v1/supervision/sweep", null));
        Assert.Equal(open, resumed["raised"]!.GetValue<int>());
        Assert.Equal(0, await DuplicatesAsync(first));
    }

    private static async Task ExecuteAsync(NodeFactory node, string sql)
    {
        await using var scope = node.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<CatalogDbContext>().Database.ExecuteSqlRawAsync(sql);
    }
}

public sealed class SqliteSweepConcurrencyTests() : SweepConcurrencyTests(DatabaseProvider.Sqlite);

public sealed class PostgreSqlSweepConcurrencyTests() : SweepConcurrencyTests(DatabaseProvider.PostgreSql);
