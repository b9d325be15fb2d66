using System.Net;
using System.Text.Json.Nodes;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;

namespace DxyqOpenData.Tests.Supervision;

/// <summary>Facts derived, not declared: a service record's isExternal against the user's and the owning unit's credit codes.</summary>
public abstract class DerivedFactsTests(DatabaseProvider provider)
{
    [Fact]
    public async Task IsExternal_contradicting_the_credit_codes_is_an_item_error()
    {
        await using var s = await SupervisionNode.StartAsync(provider, new DateTimeOffset(2026, 3, 2, 2, 0, 0, TimeSpan.Zero));
        await s.PushAsync(s.WriterA, "instruments", SupervisionNode.Instrument("D-1", "2026-01-05"));
        JsonObject Record(string key, bool external, string? code) =>
            AlertSweepTests.Record(key, "D-1", "2026-03-01T09:00:00+08:00", "2026-03-01T10:00:00+08:00", 1, external, code);
        // Every combination of declared value and user code (own unit, another unit, none).
        var cases = new List<(JsonObject Record, bool Accepted)>();
        foreach (var declared in new[] { true, false })
        {
            cases.Add((Record($"own-{declared}", declared, SupervisionNode.UnitA), !declared));
            cases.Add((Record($"other-{declared}", declared, SupervisionNode.UnitB), declared));
            cases.Add((Record($"none-{declared}", declared, null), true));
        }
        var response = await s.WriterA.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/v1/push/service-records")
        {
            Content = SupervisionNode.Json(new JsonArray(cases.Select(c => (JsonNode)c.Record.DeepClone()).ToArray())),
            Headers = { { "Prefer", "odata.continue-on-error" } },
        });
        var result = await SupervisionNode.Ok(response);
        var rejected = result["rejected"]!.AsArray().Select(r => r!["index"]!.GetValue<int>()).Order().ToList();
        Assert.Equal(Enumerable.Range(0, cases.Count).Where(i => !cases[i].Accepted), rejected);
        Assert.All(result["rejected"]!.AsArray(), r => Assert.Contains(r!["errors"]!.AsArray(), e => e!["path"]!.GetValue<string>() == "/isExternal"));
        Assert.Equal(cases.Count(c => c.Accepted), result["accepted"]!.GetValue<int>());
    }
}

public sealed class SqliteDerivedFactsTests() : DerivedFactsTests(DatabaseProvider.Sqlite);

public sealed class PostgreSqlDerivedFactsTests() : DerivedFactsTests(DatabaseProvider.PostgreSql);
