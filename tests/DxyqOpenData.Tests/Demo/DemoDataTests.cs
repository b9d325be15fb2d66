using System.Security.Cryptography;
using System.Text;
using DxyqOpenData.Api.Alerts;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Data.Reference;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Api.ServiceRecords;
using DxyqOpenData.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DxyqOpenData.Tests.Demo;

/// <summary>The demo data set on a real SQLite node at the test scale (seed 42, scale 0.02, today's date).</summary>
public sealed class DemoDataTests(SqliteNode node) : IClassFixture<SqliteNode>
{
    private async Task<T> Query<T>(Func<CatalogDbContext, Task<T>> query)
    {
        using var scope = node.Services.CreateScope();
        return await query(scope.ServiceProvider.GetRequiredService<CatalogDbContext>());
    }

    [Fact]
    public async Task Every_instrument_is_a_large_instrument_with_a_six_digit_category()
    {
        var instruments = await Query(db => db.Instruments.Select(i => new { i.PriceCny, i.CategoryCode }).ToListAsync());
        Assert.True(instruments.Count >= 250, $"{instruments.Count} instruments");
        Assert.All(instruments, i =>
        {
            Assert.True(i.PriceCny >= Instrument.MinimumPriceCny, $"{i.PriceCny}");
            Assert.Equal(decimal.Round(i.PriceCny, 2), i.PriceCny);
            Assert.Matches("^[0-9]{6}$", i.CategoryCode);
        });
    }

    [Fact]
    public async Task Units_have_valid_unified_social_credit_codes()
    {
        var codes = await Query(db => db.Units.Select(u => u.Id).ToListAsync());
        Assert.NotEmpty(codes);
        Assert.All(codes, code => Assert.True(GbCheck(code), code));
        // The check is GB 32100's, as published codes confirm.
        Assert.True(GbCheck("9144030071526726XG"));
        Assert.True(GbCheck("91330100716105852F"));
        Assert.False(GbCheck("91330100716105852G"));
    }

    [Fact]
    public async Task Some_services_go_to_users_in_the_26_mountain_counties()
    {
        var mountain = Regions.Default.MountainCounties.Select(c => c.Code).ToList();
        Assert.Equal(26, mountain.Count);
        var count = await Query(db => db.ServiceRecords.CountAsync(r => r.IsExternal && mountain.Contains(r.UserRegionCode!)));
        Assert.True(count > 0);
    }

    [Theory]
    [InlineData(AlertKind.Idle1Month, 1)]
    [InlineData(AlertKind.Idle3Months, 3)]
    [InlineData(AlertKind.Idle6Months, 6)]
    public async Task Idle_instruments_have_no_use_since_their_alert_reference_date(AlertKind kind, int months)
    {
        var alert = await Query(db => db.Alerts.FirstOrDefaultAsync(a => a.Kind == kind));
        Assert.NotNull(alert);
        var since = alert.ReferenceDate!.Value.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        Assert.True(alert.ReferenceDate.Value.AddMonths(months) < DateOnly.FromDateTime(alert.RaisedAt.AddDays(1)));
        var usedSince = await Query(db => db.ServiceRecords.CountAsync(r => r.InstrumentId == alert.InstrumentId && r.EndedAt > since));
        var ranSince = await Query(db => db.UsageSessions.CountAsync(s => s.InstrumentId == alert.InstrumentId && s.StartedAt > since));
        Assert.Equal(0, usedSince + ranSince);
    }

    [Fact]
    public async Task Each_deadline_rule_is_broken_by_some_instrument()
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var notOnboarded = await Query(db => db.Instruments.CountAsync(i => i.OnboardedAt == null && i.OnboardingDueDate < today && !i.IsConfidential));
        var noSensor = await Query(db => db.Instruments.CountAsync(i => i.OnboardedAt != null && i.SensorId == null && i.SensorDueDate < today && i.Status != InstrumentStatus.Scrapped));
        var noServiceInfo = await Query(db => db.Instruments.CountAsync(i => i.OnboardedAt != null && i.ServiceInfoCompletedAt == null && i.ServiceInfoDueDate < today
            && (i.ShareMode == ShareMode.Open || i.ShareMode == ShareMode.Conditional)));
        Assert.True(notOnboarded > 0 && noSensor > 0 && noServiceInfo > 0, $"{notOnboarded} {noSensor} {noServiceInfo}");
        foreach (var kind in Enum.GetValues<AlertKind>())
        {
            Assert.True(await Query(db => db.Alerts.AnyAsync(a => a.Kind == kind)), $"no {kind} alert");
        }
    }

    [Fact]
    public async Task Bulk_copied_rows_read_back_through_EF_with_its_conversions()
    {
        var voucher = await Query(db => db.ServiceRecords.OrderBy(r => r.ExternalId).FirstAsync(r => r.PaymentMethod == PaymentMethod.Voucher));
        Assert.Matches("^CQ20[0-9]{2}[0-9]{8}$", voucher.VoucherNo!);
        Assert.InRange(voucher.VoucherAmountCny!.Value, 0.01m, voucher.FeeCny);
        Assert.Equal(DateTimeKind.Utc, voucher.StartedAt.Kind);
        Assert.Equal(voucher.Hours, (voucher.EndedAt - voucher.StartedAt).TotalHours, 2);
        // Keys, enums and times as EF writes them: lookups and range filters find the rows.
        Assert.NotNull(await Query(db => db.ServiceRecords.FirstOrDefaultAsync(r => r.Id == voucher.Id)));
        Assert.True(await Query(db => db.ServiceRecords.AnyAsync(r => r.Id == voucher.Id && r.StartedAt >= voucher.StartedAt.AddSeconds(-1) && r.StartedAt < voucher.StartedAt.AddSeconds(1))));
        var sensored = await Query(db => db.Instruments.Include(i => i.Sensor).FirstAsync(i => i.SensorId != null));
        Assert.Equal(sensored.Id, sensored.Sensor!.InstrumentId);
        Assert.StartsWith("ZJ-S-", sensored.SensorId);
    }

    [Fact]
    public void The_same_seed_gives_the_same_data_and_another_seed_different_data()
    {
        var first = Digest(seed: 7);
        Assert.Equal(first, Digest(seed: 7));
        Assert.NotEqual(first, Digest(seed: 8));
    }

    private static string Digest(int seed)
    {
        // Fresh databases: two loads with one seed must give the same data, not two copies of one load.
        using var factory = new NodeFactory(DatabaseProvider.Sqlite, new Dictionary<string, string?>
        {
            ["Demo:Seed"] = seed.ToString(),
            ["Demo:Scale"] = "0.01",
            ["Demo:Now"] = "2026-06-15",
        }) { FreshDatabase = true };
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
        var text = new StringBuilder();
        foreach (var u in db.Units.OrderBy(u => u.Id).ToList()) text.AppendLine($"{u.Id}|{u.Name}|{u.RegionCode}");
        foreach (var i in db.Instruments.OrderBy(i => i.Id).ToList()) text.AppendLine($"{i.Id}|{i.Name}|{i.PriceCny}|{i.SensorId}|{i.OnboardedAt:O}|{i.LastSeenAt:O}");
        foreach (var r in db.ServiceRecords.OrderBy(r => r.Id).Take(500).ToList()) text.AppendLine($"{r.Id}|{r.UserName}|{r.FeeCny}|{r.StartedAt:O}");
        text.AppendLine($"{db.ServiceRecords.Count()}|{db.UsageSessions.Count()}|{db.Alerts.Count()}|{db.Datasets.Count()}");
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>GB 32100 check, written out independently of the node's own code.</summary>
    private static bool GbCheck(string code)
    {
        const string alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
        int[] weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
        if (code.Length != 18 || code.Any(c => !alphabet.Contains(c))) return false;
        var sum = Enumerable.Range(0, 17).Sum(i => alphabet.IndexOf(code[i]) * weights[i]);
        return alphabet[(31 - sum % 31) % 31] == code[17];
    }
}
