using System.Globalization;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;

namespace DxyqOpenData.Tests.Sensors;

/// <summary>
/// The node (a real process) is killed with SIGKILL while devices publish through mosquitto, then started again on the
/// same database with the same bridge client id: every reading mosquitto acknowledged is stored, none twice — the ones
/// the dead node had stored but not acknowledged come again and are skipped, reading by reading.
/// </summary>
public abstract class NodeKillTests(DatabaseProvider provider)
{
    [Fact]
    public async Task No_acknowledged_reading_is_lost_or_stored_twice_when_the_node_is_killed_mid_stream()
    {
        using var broker = new MosquittoProcess();
        await broker.StartAsync();
        var database = provider == DatabaseProvider.Sqlite
            ? $"Data Source={Path.Combine(Path.GetTempPath(), $"dxyq-kill-{Guid.NewGuid():N}.db")}"
            : TestPostgres.CreateDatabase();
        var settings = new Dictionary<string, string?>
        {
            ["SensorBridge:Enabled"] = "true",
            ["SensorBridge:Broker"] = "External",
            ["SensorBridge:External:Host"] = "127.0.0.1",
            ["SensorBridge:External:Port"] = broker.Port.ToString(CultureInfo.InvariantCulture),
            ["SensorBridge:External:ClientId"] = $"bridge-{Guid.NewGuid():N}",
            ["SensorBridge:BatchDelayMilliseconds"] = "100",
            ["SensorBridge:ReorderWindowSeconds"] = "1",
            ["SensorBridge:SensorReloadSeconds"] = "1",
        };
        var node = await NodeProcess.StartAsync(provider, database, settings);
        try
        {
            var sensors = (await NodeProcess.QueryAsync(provider, database,
                "SELECT id FROM sensors WHERE status = 'active' AND instrument_id IS NOT NULL ORDER BY id"))
                .Select(r => (string)r[0]!).Take(6).ToList();
            Assert.Equal(6, sensors.Count);
            var list = string.Join(", ", sensors.Select(s => $"'{s}'"));
            await NodeProcess.QueryAsync(provider, database, $"UPDATE sensors SET format = 'canonical' WHERE id IN ({list})");
            await Task.Delay(2000); // the bridge reloads its sensors every second

            await using var fleet = new DeviceFleet(broker.Port, sensors, TimeSpan.FromMilliseconds(40));
            fleet.Start();
            await Task.Delay(TimeSpan.FromSeconds(4));
            await node.KillAsync();
            await Task.Delay(TimeSpan.FromSeconds(2));
            await node.DisposeAsync();
            node = await NodeProcess.StartAsync(provider, database, settings);
            await Task.Delay(TimeSpan.FromSeconds(3));
            await fleet.StopAsync();

            await fleet.AssertStoredAsync(sql => NodeProcess.QueryAsync(provider, database, sql));
        }
        finally
        {
            await node.DisposeAsync();
        }
    }
}

public sealed class SqliteNodeKillTests() : NodeKillTests(DatabaseProvider.Sqlite);

public sealed class PostgreSqlNodeKillTests() : NodeKillTests(DatabaseProvider.PostgreSql);
