using System.Globalization;
using DxyqOpenData.Api.Data;
using DxyqOpenData.SensorBridge.Adapters;
using DxyqOpenData.SensorBridge;
using DxyqOpenData.SensorBridge.DeadLetters;
using DxyqOpenData.SensorBridge.Pipeline;
using DxyqOpenData.SensorBridge.Processing;
using DxyqOpenData.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DxyqOpenData.Tests.Sensors;

/// <summary>
/// The bridge started on a fresh demo node closes the demo's open sessions in place: one row per run (no second row
/// with another id), no negative hours, hours rounded like every session. Some sensors' last-seen times are moved
/// before their open session's start first (generated), the case that gave negative hours.
/// </summary>
public abstract class OpenSessionCloseTests(NodeFactory node)
{
    [Fact]
    public async Task Open_sessions_close_in_place_once_with_hours_from_start_to_the_last_message()
    {
        var random = new Random(1215);
        var open = await node.RowsAsync(
            "SELECT u.id, u.sensor_id, u.started_at, s.last_seen_at FROM usage_sessions u JOIN sensors s ON s.id = u.sensor_id " +
            "WHERE u.end_reason = 'open' AND s.status = 'active' ORDER BY u.id");
        Assert.True(open.Count >= 5, $"the demo has {open.Count} open sessions");
        foreach (var row in open.Where(_ => random.Next(3) == 0))
        {
            var moved = Instant(row[2]).AddMinutes(-random.Next(1, 20 * 24 * 60));
            await node.RowsAsync($"UPDATE sensors SET last_seen_at = {Literal(moved)} WHERE id = '{row[1]}'");
        }
        var expected = new Dictionary<string, (DateTime Start, DateTime End)>();
        foreach (var row in await node.RowsAsync(
            "SELECT u.id, u.started_at, s.last_seen_at FROM usage_sessions u JOIN sensors s ON s.id = u.sensor_id " +
            "WHERE u.end_reason = 'open' AND s.status = 'active'"))
        {
            var start = Instant(row[1]);
            var seen = row[2] is null ? start : Instant(row[2]);
            expected[row[0]!.ToString()!] = (start, seen > start ? seen : start);
        }
        var before = await node.ScalarAsync<long>("SELECT COUNT(*) FROM usage_sessions");

        await RunBridgeUntilSilentAsync();

        Assert.Equal(before, await node.ScalarAsync<long>("SELECT COUNT(*) FROM usage_sessions"));
        Assert.Equal(0L, await node.ScalarAsync<long>(
            "SELECT COUNT(*) FROM (SELECT sensor_id, started_at FROM usage_sessions WHERE sensor_id IS NOT NULL GROUP BY sensor_id, started_at HAVING COUNT(*) > 1) d"));
        var negative = await node.CreateClient().GetJsonAsync("/odata/UsageSessions?$filter=hours lt 0&$count=true&$top=0");
        Assert.Equal(0, negative["@odata.count"]!.GetValue<int>());
        foreach (var row in await node.RowsAsync("SELECT id, ended_at, hours, end_reason FROM usage_sessions WHERE end_reason <> 'open'"))
        {
            if (!expected.TryGetValue(row[0]!.ToString()!, out var session)) continue;
            var ended = Instant(row[1]);
            Assert.Equal("offline", row[3]);
            Assert.Equal(session.End, ended, TimeSpan.FromMilliseconds(1));
            Assert.Equal(Math.Round((session.End - session.Start).TotalHours, 4), Convert.ToDouble(row[2], CultureInfo.InvariantCulture), 6);
            expected.Remove(row[0]!.ToString()!);
        }
        Assert.Empty(expected); // every open session was closed, in its own row
    }

    /// <summary>The bridge's engine on the node's sensors (as the hosted service loads them), run until every sensor is silent.</summary>
    private async Task RunBridgeUntilSilentAsync()
    {
        await using var scope = node.Services.CreateAsyncScope();
        var sink = scope.ServiceProvider.GetRequiredService<ISensorSink>();
        var sensors = await sink.LoadSensorsAsync(CancellationToken.None);
        using var metrics = new BridgeMetrics();
        var engine = new BridgeEngine(AdapterRegistry.CreateDefault(), new DeadLetterStore(100), metrics, TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(5));
        engine.UseSensors(sensors);
        var now = DateTime.UtcNow.AddDays(1);
        foreach (var at in new[] { now, now.AddHours(2) })
        {
            var batch = new BatchBuilder();
            engine.Advance(at, batch);
            await sink.WriteAsync(batch.Build(), CancellationToken.None);
        }
        // A second start of the bridge finds nothing open any more and changes nothing.
        Assert.DoesNotContain((await sink.LoadSensorsAsync(CancellationToken.None)).Values, s => s.OpenSessionStartedAt is not null);
    }

    private static DateTime Instant(object? value) => value switch
    {
        DateTime t => DateTime.SpecifyKind(t, DateTimeKind.Utc),
        DateTimeOffset o => o.UtcDateTime,
        string s => DateTime.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
        _ => throw new InvalidOperationException($"not an instant: {value}"),
    };

    private string Literal(DateTime utc) => node.Provider == DatabaseProvider.PostgreSql
        ? $"TIMESTAMPTZ '{utc:yyyy-MM-dd HH:mm:ss.ffffff}Z'"
        : $"'{utc:yyyy-MM-dd HH:mm:ss.FFFFFFF}'";
}

public sealed class SqliteOpenSessionCloseTests(SqliteNode node) : OpenSessionCloseTests(node), IClassFixture<SqliteNode>;

public sealed class PostgreSqlOpenSessionCloseTests(PostgreSqlNode node) : OpenSessionCloseTests(node), IClassFixture<PostgreSqlNode>;
