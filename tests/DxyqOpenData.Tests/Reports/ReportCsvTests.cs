using System.Net;
using System.Net.Http.Headers;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Supervision;

namespace DxyqOpenData.Tests.Reports;

/// <summary>
/// CSV for every report (docs/reports.md "CSV") over HTTP with real tokens, on <see cref="ReviewFixture"/>: each report's
/// CSV, asked for with format=csv or Accept: text/csv, read by an independent parser and compared cell by cell with its
/// JSON (<see cref="ReportCsvAssert"/>), a few cells checked by hand; errors stay problem details.
/// </summary>
public abstract class ReportCsvTests(DatabaseProvider provider)
{
    [Fact]
    public async Task Every_report_as_csv_equals_its_json_with_chinese_headers()
    {
        await using var s = await ReviewFixture.StartAsync(provider);
        var byAccept = false;
        foreach (var groupBy in new[] { "instrument", "unit", "region", "city", "category" })
        {
            await ReportCsvAssert.SameAsJsonAsync(s.Admin, $"/api/v1/reports/utilization?from=2025-01-01&to=2026-04-01&groupBy={groupBy}", "utilization", byAccept = !byAccept);
        }
        // A unit's client reads its own utilization as CSV too.
        await ReportCsvAssert.SameAsJsonAsync(s.ReaderA, "/api/v1/reports/utilization?from=2025-01-01&to=2026-04-01&groupBy=instrument", "utilization");

        foreach (var unit in new[] { SupervisionNode.UnitA, SupervisionNode.UnitB, ReviewFixture.UnitC })
        {
            var review = await ReportCsvAssert.SameAsJsonAsync(s.Admin, $"/api/v1/reports/purchase-review?category=030122&unit={unit}&priceCny=800000", "purchaseReview", byAccept = !byAccept);
            // Two sets: the three scopes (unit, city, province) first, then the listed instruments.
            Assert.Equal("明细", review[0][0]);
            Assert.Equal(["同类仪器汇总", "同类仪器汇总", "同类仪器汇总"], review.Skip(1).Take(3).Select(r => r[0]));
            Assert.All(review.Skip(4), r => Assert.Equal("同类仪器", r[0]));
        }
        var a = await ReportCsvAssert.SameAsJsonAsync(s.Admin, $"/api/v1/reports/purchase-review?category=030122&unit={SupervisionNode.UnitA}&priceCny=800000", "purchaseReview");
        // Unit A's scope, by hand (docs/reports.md): 2 instruments, 1 idle, 11 h, 0 external, 200 rated, usage 0.055, sharing 0.
        var header = a[0].ToList();
        string Of(string[] row, string column) => row[header.IndexOf(column)];
        Assert.Equal(("unit", "2", "1", "11", "200", "0.055"), (Of(a[1], "范围"), Of(a[1], "仪器数"), Of(a[1], "闲置仪器数"), Of(a[1], "有效机时（小时）"), Of(a[1], "额定机时（小时）"), Of(a[1], "使用率")));
        Assert.Equal("true", Of(a[1], "原则上不再新购"));
        Assert.Equal(("2025-04-02", "2026-04-01"), (Of(a[1], "统计期间起"), Of(a[1], "统计期间止")));

        foreach (var year in new[] { 2025, 2026 })
        {
            await ReportCsvAssert.SameAsJsonAsync(s.Admin, $"/api/v1/reports/evaluation/{year}", "evaluation", byAccept = !byAccept);
        }
        var evaluation = await ReportCsvAssert.SameAsJsonAsync(s.Admin, "/api/v1/reports/evaluation/2025", "evaluation");
        header = evaluation[0].ToList();
        // docs/reports.md's worked example: B 48.18 pass, A 15.71 poor, C 15 poor; the weights of the rules file on every row.
        Assert.Equal([("1", "48.18", "pass"), ("2", "15.71", "poor"), ("3", "15", "poor")],
            evaluation.Skip(1).Select(r => (Of(r, "排名"), Of(r, "得分"), Of(r, "评价等次"))));
        Assert.Equal("020301;030122", Of(evaluation[2], "原则上不再新购的通用仪器类别"));
        Assert.All(evaluation.Skip(1), r => Assert.Contains("\"usageRate\":20", Of(r, "评价规则与权重"), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_bad_format_is_400_and_errors_stay_problem_details_when_csv_is_asked()
    {
        await using var s = await SupervisionNode.StartAsync(provider, ReviewFixture.Beijing(2026, 4, 2, 10));
        foreach (var url in new[]
        {
            "/api/v1/reports/evaluation/2025?format=xml", "/api/v1/reports/utilization?from=2026-03-01&to=2026-03-31&format=html",
            $"/api/v1/reports/purchase-review?category=030122&unit={SupervisionNode.UnitA}&priceCny=800000&format=pdf",
        })
        {
            var problem = await SupervisionNode.Ok(await s.Admin.GetAsync(url), HttpStatusCode.BadRequest);
            Assert.NotNull(problem["errors"]!["format"]);
        }
        foreach (var (url, status) in new[]
        {
            ("/api/v1/reports/evaluation/1999", HttpStatusCode.BadRequest),
            ($"/api/v1/reports/purchase-review?category=030122&unit={SupervisionNode.UnitA}&priceCny=400000", HttpStatusCode.UnprocessableEntity),
            ("/api/v1/reports/utilization?from=2026-03-31&to=2026-03-01", HttpStatusCode.BadRequest),
        })
        {
            foreach (var accept in new[] { false, true })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, accept ? url : url + (url.Contains('?') ? "&" : "?") + "format=csv");
                if (accept)
                {
                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
                }
                var response = await s.Admin.SendAsync(request);
                Assert.Equal(status, response.StatusCode);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
            }
        }
        // The CSV is the same report: a unit's client still may not read the province's evaluation.
        Assert.Equal(HttpStatusCode.Forbidden, (await s.ReaderA.GetAsync("/api/v1/reports/evaluation/2025?format=csv")).StatusCode);
        // Plain JSON stays the default.
        var json = await s.Admin.GetAsync("/api/v1/reports/evaluation/2025");
        Assert.Equal("application/json", json.Content.Headers.ContentType!.MediaType);
    }
}

public sealed class SqliteReportCsvTests() : ReportCsvTests(DatabaseProvider.Sqlite);

public sealed class PostgreSqlReportCsvTests() : ReportCsvTests(DatabaseProvider.PostgreSql);
