using System.Net;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;

namespace DxyqOpenData.Tests.Security;

/// <summary>
/// The signing keys live in the database: a token outlives its node, and every instance on the same database
/// accepts what any of them issued.
/// </summary>
public abstract class TokenRestartTests(DatabaseProvider provider)
{
    private const string Records = "/odata/ServiceRecords?$top=0&$count=true";

    [Fact]
    public async Task A_token_is_accepted_by_a_second_instance_on_the_same_database_and_after_a_restart()
    {
        using var first = new NodeFactory(provider);
        var unit = (await first.RowsAsync("SELECT unit_id FROM service_records"))[0][0]!.ToString()!.Trim();
        var client = await first.AddClientAsync("records.read", unit);
        var token = await first.CreateClient().TokenAsync(client);
        var count = (await first.WithToken(token).GetJsonAsync(Records))["@odata.count"]!.GetValue<long>();

        using (var second = new NodeFactory(provider, connectionString: first.ConnectionString))
        {
            Assert.Equal(count, (await second.WithToken(token).GetJsonAsync(Records))["@odata.count"]!.GetValue<long>());
            // And the other way round: the second instance signs with the same key.
            var fromSecond = await second.CreateClient().TokenAsync(client);
            Assert.Equal(HttpStatusCode.OK, (await first.WithToken(fromSecond).GetAsync(Records)).StatusCode);
        }

        using var restarted = new NodeFactory(provider, connectionString: first.ConnectionString);
        Assert.Equal(HttpStatusCode.OK, (await restarted.WithToken(token).GetAsync(Records)).StatusCode);
        Assert.Equal(1, await restarted.ScalarAsync<long>("SELECT COUNT(*) FROM signing_keys"));
    }

    [Fact]
    public async Task The_access_token_lifetime_is_a_setting()
    {
        using var node = new NodeFactory(provider, new Dictionary<string, string?> { ["Auth:AccessTokenLifetime"] = "00:05:00" });
        var unit = (await node.RowsAsync("SELECT unit_id FROM service_records"))[0][0]!.ToString()!.Trim();

        var response = await node.CreateClient().RequestTokenAsync(await node.AddClientAsync("records.read", unit));

        Assert.InRange(response.ExpiresIn, 290, 300);
    }
}

public sealed class SqliteTokenRestartTests() : TokenRestartTests(DatabaseProvider.Sqlite);

public sealed class PostgreSqlTokenRestartTests() : TokenRestartTests(DatabaseProvider.PostgreSql);
