using System.Text.Json.Nodes;
using DxyqOpenData.Api.Data.Reference;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Units;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;
using DxyqOpenData.Tests.Supervision;
using Microsoft.Extensions.DependencyInjection;

namespace DxyqOpenData.Tests.Reports;

/// <summary>
/// The purchase review's fixture, pushed through the API and swept on 2 April 2026 (Beijing). Class 030122, every
/// instrument rated 100 h a year and onboarded 1 April 2025, so over the review's period (2 April 2025 – 1 April 2026,
/// 365 days) each is rated exactly 100 h:
/// <list type="bullet">
/// <item>unit A (浙江大学, 西湖区, Hangzhou, registered as provincially owned): A-1 4 h internal on 10 June 2025 and 7 h internal on 20 March 2026;
/// A-2 never used (idle since onboarding); A-3 another class (020301), 20 h, never counted.</item>
/// <item>unit B (淳安, Hangzhou): B-1 6 h external on 1 September 2025 and 2 h external on 25 March 2026.</item>
/// <item>unit C (鄞州区, Ningbo): C-1 9 h external on 30 March 2026.</item>
/// </list>
/// </summary>
internal static class ReviewFixture
{
    public static readonly string UnitC = CreditCode.Create("12", "330212", "MA2B0001");

    public static DateTimeOffset Beijing(int y, int m, int d, int h) => new(y, m, d, h, 0, 0, TimeSpan.FromHours(8));

    public static async Task<SupervisionNode> StartAsync(DatabaseProvider provider)
    {
        var s = await SupervisionNode.StartAsync(provider, Beijing(2025, 4, 1, 10));
        await using (var scope = s.Node.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
            db.Units.Add(new Unit { Id = UnitC, Name = "宁波某研究院", Type = UnitType.Institute, RegionCode = "330212", CityCode = "330200", UpdatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }
        // Unit A is registered again by an administrator as 省属 (provinceOwned): the evaluation's insurance subsidy reads it.
        await s.PushAsync(s.Admin, "units", new JsonObject
        {
            ["creditCode"] = SupervisionNode.UnitA, ["name"] = "浙江大学", ["type"] = "university", ["regionCode"] = "330106", ["provinceOwned"] = true,
        });
        var writerC = s.Node.WithToken(await s.Node.CreateClient().TokenAsync(await s.Node.AddClientAsync("catalog.write,records.write", UnitC)));
        await s.PushAsync(s.WriterA, "instruments", Instrument("A-1", "330106"), Instrument("A-2", "330106"), Instrument("A-3", "330106", "020301"));
        await s.PushAsync(s.WriterB, "instruments", Instrument("B-1", "330127"));
        await s.PushAsync(writerC, "instruments", Instrument("C-1", "330212"));
        await s.PushAsync(s.WriterA, "service-records",
            AlertSweepTests.Record("R1", "A-1", "2025-06-10T09:00:00+08:00", "2025-06-10T13:00:00+08:00", 4, external: false),
            AlertSweepTests.Record("R2", "A-1", "2026-03-20T08:00:00+08:00", "2026-03-20T15:00:00+08:00", 7, external: false),
            AlertSweepTests.Record("R6", "A-3", "2026-03-10T08:00:00+08:00", "2026-03-11T04:00:00+08:00", 20));
        await s.PushAsync(s.WriterB, "service-records",
            AlertSweepTests.Record("R3", "B-1", "2025-09-01T10:00:00+08:00", "2025-09-01T16:00:00+08:00", 6),
            AlertSweepTests.Record("R4", "B-1", "2026-03-25T09:00:00+08:00", "2026-03-25T11:00:00+08:00", 2));
        await s.PushAsync(writerC, "service-records", AlertSweepTests.Record("R5", "C-1", "2026-03-30T08:00:00+08:00", "2026-03-30T17:00:00+08:00", 9));
        await s.MoveClockAsync(Beijing(2026, 4, 2, 10));
        await SupervisionNode.Ok(await s.Admin.PostAsync("/api/v1/supervision/sweep", null));
        return s;
    }

    private static JsonObject Instrument(string innerId, string region, string category = "030122")
    {
        var instrument = SupervisionNode.Instrument(innerId, "2025-03-20");
        instrument["categoryCode"] = category;
        instrument["regionCode"] = region;
        instrument["ratedHoursPerYear"] = 100;
        return instrument;
    }
}
