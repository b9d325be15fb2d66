using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Supervision;

namespace DxyqOpenData.Tests.Reports;

/// <summary>
/// GET /api/v1/reports/purchase-review over HTTP with real tokens on <see cref="ReviewFixture"/>, figures worked out
/// by hand below; the 500,000 CNY boundary; rule 15 from the 2025 evaluation; the printable page rendered by headless
/// Chromium (scripts off) to an A4 PDF and a DOM from which the figures are read back.
/// </summary>
public abstract partial class PurchaseReviewTests(DatabaseProvider provider)
{
    // Over 2 April 2025 – 1 April 2026, class 030122, each instrument rated 100 h:
    // unit A: A-1 4 + 7 = 11 h, none external; A-2 0 h, idle. 11 ÷ 200 = 0.055; 0 ÷ 11 = 0.
    // Hangzhou: + B-1 6 + 2 = 8 h external. 19 ÷ 300 = 0.0633; 8 ÷ 19 = 0.4211.
    // province: + C-1 9 h external. 28 ÷ 400 = 0.07; 17 ÷ 28 = 0.6071.
    private static readonly (string Scope, string Code, int Instruments, int Idle, double Effective, double External, double Rated)[] Expected =
    [
        ("unit", SupervisionNode.UnitA, 2, 1, 11, 0, 200), ("city", "330100", 3, 1, 19, 8, 300), ("province", "330000", 4, 1, 28, 17, 400),
    ];

    private static string Url(string unit, string price = "800000", string extra = "") =>
        $"/api/v1/reports/purchase-review?category=030122&unit={unit}&priceCny={price}{extra}";

    [Fact]
    public async Task Same_class_rates_of_the_unit_city_and_province_with_the_idle_flagged_and_rule_15()
    {
        await using var s = await ReviewFixture.StartAsync(provider);
        var report = await s.Admin.GetJsonAsync(Url(SupervisionNode.UnitA));
        Assert.Equal("2025-04-02", report["from"]!.GetValue<string>());
        Assert.Equal("2026-04-01", report["to"]!.GetValue<string>());
        Assert.Equal("330106", report["regionCode"]!.GetValue<string>());
        var scopes = report["scopes"]!.AsArray().Select(x => x!.AsObject()).ToList();
        Assert.Equal(Expected.Length, scopes.Count);
        foreach (var (e, scope) in Expected.Zip(scopes))
        {
            Assert.Equal(e.Scope, scope["scope"]!.GetValue<string>());
            Assert.Equal(e.Code, scope["code"]!.GetValue<string>());
            Assert.Equal(e.Instruments, scope["instruments"]!.GetValue<int>());
            Assert.Equal(e.Idle, scope["idle"]!.GetValue<int>());
            Assert.Equal(e.Effective, scope["effectiveHours"]!.GetValue<double>(), 2);
            Assert.Equal(e.External, scope["externalHours"]!.GetValue<double>(), 2);
            Assert.Equal(e.Rated, scope["ratedHours"]!.GetValue<double>(), 2);
            Assert.Equal(e.Effective / e.Rated, scope["usageRate"]!.GetValue<double>(), 4);
            Assert.Equal(e.External / e.Effective, scope["sharingRate"]!.GetValue<double>(), 4);
        }

        // Listed: the unit's (idle first) and the city's; of the province only the idle ones (none besides A-2). Not A-3 (another class).
        var listed = report["instruments"]!.AsArray().Select(x => x!.AsObject()).ToList();
        Assert.Equal(["A-2", "A-1", "B-1"], listed.Select(i => i["innerId"]!.GetValue<string>()));
        Assert.Equal(["unit", "unit", "city"], listed.Select(i => i["scope"]!.GetValue<string>()));
        Assert.Equal([true, false, false], listed.Select(i => i["idle"]!.GetValue<bool>()));
        Assert.Contains(listed[0]["alerts"]!.AsArray(), a => a!["kind"]!.GetValue<string>() == "idle6Months");
        Assert.DoesNotContain(listed[1]["alerts"]!.AsArray(), a => a!["kind"]!.GetValue<string>().StartsWith("idle", StringComparison.Ordinal));
        Assert.Equal(0.11, listed[1]["usageRate"]!.GetValue<double>(), 4);

        // Unit A in 2025: no sensor, no complete service information, 4 h internal only: poor, and its general class 030122 shared 0 %.
        var rule15 = report["rule15"]!;
        Assert.True(rule15["notToBeBoughtAgain"]!.GetValue<bool>());
        Assert.Equal(2025, rule15["evaluationYear"]!.GetValue<int>());
        Assert.Equal("poor", rule15["unitBand"]!.GetValue<string>());
        var conclusion = report["conclusion"]!.GetValue<string>();
        Assert.Contains("本单位同类仪器2台，使用率5.5%，共享率0.0%，闲置1台", conclusion);
        Assert.Contains("杭州市同类仪器3台，使用率6.3%，共享率42.1%，闲置1台", conclusion);
        Assert.Contains("全省同类仪器4台，使用率7.0%，共享率60.7%，闲置1台", conclusion);
        Assert.Contains("原则上不再批准新购", conclusion);

        // Unit B (淳安, Hangzhou) was rated pass in 2025 (B-1 6 h external): no rule 15; no idle of its own, one in its city.
        var b = await s.Admin.GetJsonAsync(Url(SupervisionNode.UnitB));
        Assert.False(b["rule15"]!["notToBeBoughtAgain"]!.GetValue<bool>());
        Assert.Equal("pass", b["rule15"]!["unitBand"]!.GetValue<string>());
        Assert.Contains("杭州市有同类闲置仪器1台", b["conclusion"]!.GetValue<string>());
        Assert.Equal(["B-1", "A-2", "A-1"], b["instruments"]!.AsArray().Select(i => i!["innerId"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Below_500000_is_422_at_and_above_it_is_reviewed_and_bad_requests_are_400()
    {
        await using var s = await ReviewFixture.StartAsync(provider);
        foreach (var price in new[] { "0.01", "300000", "499999.99" })
        {
            var problem = await SupervisionNode.Ok(await s.Admin.GetAsync(Url(SupervisionNode.UnitA, price)), HttpStatusCode.UnprocessableEntity);
            Assert.Equal("urn:dxyq:problem:below-review-threshold", problem["type"]!.GetValue<string>());
            Assert.Contains("50 万元", problem["detail"]!.GetValue<string>());
        }
        foreach (var price in new[] { "500000", "500000.00", "500000.01", "12000000" })
        {
            var report = await s.Admin.GetJsonAsync(Url(SupervisionNode.UnitA, price));
            Assert.Equal(decimal.Parse(price, CultureInfo.InvariantCulture), report["priceCny"]!.GetValue<decimal>());
        }
        foreach (var (query, field) in new[]
        {
            ("unit=" + SupervisionNode.UnitA + "&priceCny=800000", "category"), ("category=03012&unit=" + SupervisionNode.UnitA + "&priceCny=800000", "category"),
            ("category=030122&priceCny=800000", "unit"), ("category=030122&unit=91330000000000000X&priceCny=800000", "unit"),
            ("category=030122&unit=" + SupervisionNode.UnitA + "&priceCny=800000&region=339999", "region"),
            ("category=030122&unit=" + SupervisionNode.UnitA, "priceCny"), ("category=030122&unit=" + SupervisionNode.UnitA + "&priceCny=-5", "priceCny"),
            ("category=030122&unit=" + SupervisionNode.UnitA + "&priceCny=800000.001", "priceCny"),
            ("category=030122&unit=" + SupervisionNode.UnitA + "&priceCny=800000&format=xml", "format"),
        })
        {
            var problem = await SupervisionNode.Ok(await s.Admin.GetAsync($"/api/v1/reports/purchase-review?{query}"), HttpStatusCode.BadRequest);
            Assert.NotNull(problem["errors"]![field]);
        }
        await SupervisionNode.Ok(await s.ReaderA.GetAsync(Url(SupervisionNode.UnitA)), HttpStatusCode.Forbidden);
        await SupervisionNode.Ok(await s.Node.CreateClient().GetAsync(Url(SupervisionNode.UnitA)), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_printable_page_renders_in_chromium_to_A4_pages_without_script_and_shows_the_figures()
    {
        await using var s = await ReviewFixture.StartAsync(provider);
        var response = await s.Admin.GetAsync(Url(SupervisionNode.UnitA, extra: "&format=html"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("content=\"default-src 'none'; style-src 'unsafe-inline'\"", html);

        var work = Directory.CreateTempSubdirectory("dxyq-review-");
        try
        {
            var page = Path.Combine(work.FullName, "review.html");
            await File.WriteAllTextAsync(page, html);
            var pdf = Path.Combine(work.FullName, "review.pdf");
            // Chromium's printing and DOM dump need its own script; the page has none and forbids any (CSP): everything on
            // it, the chart included, is the server's.
            await HeadlessChromium.RunAsync(Path.Combine(work.FullName, "p1"), "--no-pdf-header-footer", $"--print-to-pdf={pdf}", new Uri(page).AbsoluteUri);
            var dom = await HeadlessChromium.RunAsync(Path.Combine(work.FullName, "p2"), "--dump-dom", new Uri(page).AbsoluteUri);

            var pdfText = System.Text.Encoding.Latin1.GetString(await File.ReadAllBytesAsync(pdf));
            // Every page A4 (210 × 297 mm = 595.3 × 841.9 pt); this short review fits on at most two.
            Assert.InRange(PdfPage().Matches(pdfText).Count, 1, 2);
            var boxes = MediaBox().Matches(pdfText);
            Assert.NotEmpty(boxes);
            foreach (Match box in boxes)
            {
                Assert.Equal(595.3, double.Parse(box.Groups[1].Value, CultureInfo.InvariantCulture), 0);
                Assert.Equal(841.9, double.Parse(box.Groups[2].Value, CultureInfo.InvariantCulture), 0);
            }

            foreach (var e in Expected)
            {
                Assert.Equal(Percent(e.Effective / e.Rated), Cell(dom, "td", e.Scope, "usageRate"));
                Assert.Equal(Percent(e.External / e.Effective), Cell(dom, "td", e.Scope, "sharingRate"));
                Assert.Equal(e.Instruments.ToString(CultureInfo.InvariantCulture), Cell(dom, "td", e.Scope, "instruments"));
                // The chart's bar labels, and bar heights in proportion on a 0–100 % scale 150 px high.
                Assert.Equal(Percent(e.Effective / e.Rated), Cell(dom, "text", e.Scope, "usageRate"));
                Assert.Equal(150 * e.External / e.Effective, BarHeight(dom, e.Scope, "sharingRate"), 1);
                Assert.Equal(150 * e.Effective / e.Rated, BarHeight(dom, e.Scope, "usageRate"), 1);
            }
            Assert.Contains("data-flag=\"true\"", dom);
            Assert.Contains("大型科研仪器购置评议在线评估报告", dom);
        }
        finally
        {
            try { work.Delete(recursive: true); } catch (IOException) { }
        }
    }

    private static string Percent(double rate) => (Math.Round(rate, 4) * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static string Cell(string dom, string element, string scope, string field)
    {
        var match = Regex.Match(dom, $"<{element}[^>]*data-scope=\"{scope}\" data-field=\"{field}\"[^>]*>([^<]*)</{element}>");
        Assert.True(match.Success, $"no {element} {scope}/{field} in the rendered page");
        return match.Groups[1].Value;
    }

    private static double BarHeight(string dom, string scope, string field)
    {
        var match = Regex.Match(dom, $"<rect data-scope=\"{scope}\" data-field=\"{field}\"[^>]* height=\"([0-9.]+)\"");
        Assert.True(match.Success, $"no bar {scope}/{field} in the rendered page");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"/Type\s*/Page[^s]")]
    private static partial Regex PdfPage();

    [GeneratedRegex(@"/MediaBox\s*\[\s*0\s+0\s+([0-9.]+)\s+([0-9.]+)\s*\]")]
    private static partial Regex MediaBox();
}

public sealed class SqlitePurchaseReviewTests() : PurchaseReviewTests(DatabaseProvider.Sqlite);

public sealed class PostgreSqlPurchaseReviewTests() : PurchaseReviewTests(DatabaseProvider.PostgreSql);
