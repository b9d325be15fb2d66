using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;
using DxyqOpenData.Tests.Sensors;

namespace DxyqOpenData.Tests.Push;

/// <summary>
/// A push killed (SIGKILL of the node process) after it reserved its Idempotency-Key and before it committed: on the
/// node started again the key answers 409 naming when it can be used again, nothing of the push is there, and after
/// that instant the same request runs and commits once.
/// </summary>
[Trait("Lane", "processes")]
public abstract partial class PushKillTests(DatabaseProvider provider)
{
    // Longer than a loaded machine takes to start the node again, so the key is still reserved when it is back.
    private static readonly TimeSpan ReservationTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_key_reserved_by_a_push_whose_node_was_killed_answers_again_after_the_reservation_timeout()
    {
        var database = provider == DatabaseProvider.Sqlite
            ? $"Data Source={Path.Combine(Path.GetTempPath(), $"dxyq-pushkill-{Guid.NewGuid():N}.db")}"
            : TestPostgres.CreateDatabase();
        var settings = new Dictionary<string, string?> { ["Push:IdempotencyKeyReservationTimeout"] = ReservationTimeout.ToString() };
        var node = await NodeProcess.StartAsync(provider, database, settings);
        try
        {
            var unit = (string)(await NodeProcess.QueryAsync(provider, database, "SELECT id FROM units ORDER BY id"))[0][0]!;
            var (exit, output, error) = await NodeProcess.RunCommandAsync(provider, database, settings,
                "clients", "add", "--name", "kill-test", "--unit", unit, "--scopes", "catalog.write");
            Assert.True(exit == 0, error);
            var json = JsonNode.Parse(output)!;
            var client = new RegisteredClient(json["clientId"]!.GetValue<string>(), json["clientSecret"]!.GetValue<string>());

            // A batch long enough to be mid-way when the reservation is seen: 10,000 new instruments (Push:MaxItems).
            var prefix = $"KILL-{Guid.NewGuid():N}"[..16];
            var body = new JsonArray([.. Enumerable.Range(0, 10_000).Select(i => (JsonNode)new JsonObject
            {
                ["innerId"] = $"{prefix}-{i:D5}", ["name"] = "场发射扫描电子显微镜", ["categoryCode"] = "020301", ["instrumentType"] = "general",
                ["priceCny"] = 300_000 + i, ["fundingSource"] = "fiscal", ["acceptanceDate"] = "2026-01-05", ["status"] = "normal",
                ["shareMode"] = "open", ["regionCode"] = "330106", ["countryOfOrigin"] = "CN",
            })]).ToJsonString();
            var key = Guid.NewGuid().ToString();
            var count = $"SELECT COUNT(*) FROM instruments WHERE inner_id LIKE '{prefix}-%'";
            var reservation = $"SELECT response_body, created_at FROM idempotency_keys WHERE key = '{key}'";

            using var first = await HttpFor(node, client);
            var dying = first.SendAsync(Push(body, key));
            var seen = false;
            for (var deadline = DateTime.UtcNow.AddSeconds(60); !seen && DateTime.UtcNow < deadline && !dying.IsCompleted; await Task.Delay(20))
            {
                seen = (await NodeProcess.QueryAsync(provider, database, reservation)) is [[null, _]];
            }
            Assert.True(seen, "the push answered before its reservation was seen: the kill would not come between reserving and committing");
            await node.KillAsync();
            await Assert.ThrowsAnyAsync<Exception>(() => dying);
            await node.DisposeAsync();
            Assert.Equal(0L, Convert.ToInt64((await NodeProcess.QueryAsync(provider, database, count))[0][0], CultureInfo.InvariantCulture));

            node = await NodeProcess.StartAsync(provider, database, settings);
            using var http = await HttpFor(node, client);
            var refused = await http.SendAsync(Push(body, key));
            var detail = await refused.Content.ReadAsStringAsync();
            if (refused.StatusCode == HttpStatusCode.Conflict)
            {
                // The problem names the instant the key is free again: the reservation plus the timeout.
                var from = DateTime.Parse(Instant().Match(detail).Value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
                var reserved = (await NodeProcess.QueryAsync(provider, database, $"SELECT created_at FROM idempotency_keys WHERE key = '{key}'"))[0][0];
                var reservedAt = reserved is DateTime t ? t : DateTime.Parse((string)reserved!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
                Assert.InRange(from, reservedAt + ReservationTimeout - TimeSpan.FromSeconds(1), reservedAt + ReservationTimeout + TimeSpan.FromSeconds(1));
                await Task.Delay(from - DateTime.UtcNow + TimeSpan.FromMilliseconds(300));
            }
            else
            {
                // Only when the restart took longer than the timeout may the key already be free.
                Assert.True(refused.StatusCode == HttpStatusCode.OK, $"{(int)refused.StatusCode} {detail}");
            }

            var answer = refused.StatusCode == HttpStatusCode.OK ? refused : await http.SendAsync(Push(body, key));
            var result = JsonNode.Parse(await answer.Content.ReadAsStringAsync())!;
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Equal(10_000, (int)result["created"]!);
            Assert.Equal(10_000L, Convert.ToInt64((await NodeProcess.QueryAsync(provider, database, count))[0][0], CultureInfo.InvariantCulture));
            // And the key now replays that answer.
            var replay = await http.SendAsync(Push(body, key));
            Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
            Assert.Equal(result.ToJsonString(), JsonNode.Parse(await replay.Content.ReadAsStringAsync())!.ToJsonString());
        }
        finally
        {
            await node.DisposeAsync();
        }
    }

    private static async Task<HttpClient> HttpFor(NodeProcess node, RegisteredClient client)
    {
        var http = new HttpClient { BaseAddress = node.Address, Timeout = TimeSpan.FromMinutes(3) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await http.TokenAsync(client, "catalog.write"));
        return http;
    }

    private static HttpRequestMessage Push(string body, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/push/instruments") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    [GeneratedRegex(@"\d{4}-\d\d-\d\dT[0-9:.]+Z")]
    private static partial Regex Instant();
}

public sealed class SqlitePushKillTests() : PushKillTests(DatabaseProvider.Sqlite);

public sealed class PostgreSqlPushKillTests() : PushKillTests(DatabaseProvider.PostgreSql);
