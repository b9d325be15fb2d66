using System.Net;
using System.Text.Json.Nodes;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;
using Npgsql;
using Xunit.Abstractions;

namespace DxyqOpenData.Tests.Federation;

/// <summary>
/// The change feed's promise under concurrent writers, on PostgreSQL (the provider whose writers run at once; SQLite
/// has one writer at a time): changes are numbered in commit order, so a peer that reads the feed while writers are in
/// flight never moves its cursor past a change that commits later; and writers do not wait on each other before they
/// commit. Raw transactions on the node's database, the feed read over HTTP with a federation token.
/// </summary>
public sealed class ChangeFeedCommitOrderTests(PostgreSqlNode node, ITestOutputHelper output) : IClassFixture<PostgreSqlNode>
{
    private async Task<HttpClient> PeerAsync() =>
        node.WithToken(await node.CreateClient().TokenAsync(await node.AddClientAsync("federation"), "federation"));

    private static async Task<(List<(string Id, long Seq)> Changes, string Cursor)> ReadAsync(HttpClient peer, string? since)
    {
        var changes = new List<(string, long)>();
        while (true)
        {
            var response = await peer.GetAsync("/federation/changes/Instruments?max=1000" + (since is null ? "" : $"&since={Uri.EscapeDataString(since)}"));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            var page = JsonNode.Parse(body)!;
            changes.AddRange(page["changes"]!.AsArray().Select(c => (c!["id"]!.GetValue<string>(), c["seq"]!.GetValue<long>())));
            since = page["cursor"]!.GetValue<string>();
            if (!page["more"]!.GetValue<bool>()) return (changes, since);
        }
    }

    private async Task<List<Guid>> PublicInstrumentsAsync(int count) =>
        [.. (await node.RowsAsync($"SELECT id FROM instruments WHERE NOT is_confidential ORDER BY inner_id LIMIT {count}")).Select(r => Guid.Parse(r[0]!.ToString()!))];

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(node.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task RenameAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, string name)
    {
        await using var command = new NpgsqlCommand("UPDATE instruments SET name = @name WHERE id = @id", connection, transaction);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("id", id);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    [Fact]
    public async Task A_writer_that_commits_first_is_numbered_first_and_neither_waits_for_the_other()
    {
        var peer = await PeerAsync();
        var (_, cursor) = await ReadAsync(peer, null);
        var ids = await PublicInstrumentsAsync(3);
        await using var first = await OpenAsync();
        await using var second = await OpenAsync();
        await using var third = await OpenAsync();

        // The first writer changes a row and stays open; the second changes another and commits. Were changes numbered
        // at the first write, under the counter's lock, the second would wait here until the first commits.
        await using var early = await first.BeginTransactionAsync();
        await RenameAsync(first, early, ids[0], "提交顺序甲");
        await using var late = await second.BeginTransactionAsync();
        await using (var limit = new NpgsqlCommand("SET LOCAL lock_timeout = '5s'", second, late)) await limit.ExecuteNonQueryAsync();
        await RenameAsync(second, late, ids[1], "提交顺序乙");
        await late.CommitAsync();
        // A third is rolled back: it leaves no change and nothing pending.
        await using (var rolledBack = await third.BeginTransactionAsync())
        {
            await RenameAsync(third, rolledBack, ids[2], "回滚");
            await rolledBack.RollbackAsync();
        }

        // A reader now sees the second writer's change only, and its cursor does not pass the first's.
        var (between, middle) = await ReadAsync(peer, cursor);
        Assert.Equal([ids[1].ToString()], between.Select(c => c.Id));
        await early.CommitAsync();
        var (after, _) = await ReadAsync(peer, middle);
        Assert.Equal([ids[0].ToString()], after.Select(c => c.Id));
        Assert.True(after[0].Seq > between[0].Seq, "numbered in commit order");
        Assert.Equal(0L, await node.ScalarAsync<long>("SELECT COUNT(*) FROM catalog_changes_pending"));
    }

    [Fact]
    public async Task A_reader_polling_while_writers_commit_in_random_order_misses_no_change()
    {
        var peer = await PeerAsync();
        var (_, start) = await ReadAsync(peer, null);
        var ids = await PublicInstrumentsAsync(40);
        var random = new Random(20261207);
        // Eight writers, 15 transactions each: one to three rows (taken in id order, so two writers never deadlock),
        // held open for a random while before the commit, so commits land in an order unrelated to their first writes.
        var plans = Enumerable.Range(0, 8).Select(_ => Enumerable.Range(0, 15)
            .Select(_ => (Rows: ids.OrderBy(_ => random.Next()).Take(random.Next(1, 4)).Order().ToList(), HoldMs: random.Next(0, 40))).ToList()).ToList();
        var seen = new HashSet<(string, long)>();
        var done = false;
        var reads = 0;
        var reader = Task.Run(async () =>
        {
            var cursor = start;
            while (!Volatile.Read(ref done))
            {
                var (changes, next) = await ReadAsync(peer, cursor);
                seen.UnionWith(changes);
                cursor = next;
                reads++;
            }
            seen.UnionWith((await ReadAsync(peer, cursor)).Changes);
        });
        await Task.WhenAll(plans.Select(async (plan, writer) =>
        {
            await using var connection = await OpenAsync();
            foreach (var (step, (rows, hold)) in plan.Index())
            {
                await using var transaction = await connection.BeginTransactionAsync();
                foreach (var id in rows) await RenameAsync(connection, transaction, id, $"并发写入{writer}-{step}");
                await Task.Delay(hold);
                await transaction.CommitAsync();
            }
        }));
        Volatile.Write(ref done, true);
        await reader;

        // The feed read once from the start point afterwards: each changed row at its latest number. The reader that
        // polled along must have met every one of those (id, number) pairs on its way.
        var (truth, _) = await ReadAsync(peer, start);
        output.WriteLine($"{truth.Count} rows changed, {plans.Sum(p => p.Count)} transactions, {reads} reads while writing");
        Assert.Equal(plans.SelectMany(p => p).SelectMany(t => t.Rows).Distinct().Count(), truth.Count);
        Assert.True(reads >= 3, $"the reader read while the writers wrote ({reads} reads)");
        var missed = truth.Where(c => !seen.Contains(c)).ToList();
        Assert.True(missed.Count == 0, $"the reader skipped {missed.Count} change(s), e.g. {string.Join(", ", missed.Take(3))}");
    }
}
