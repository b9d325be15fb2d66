using System.Globalization;
using System.Net;
using System.Text;

namespace DxyqOpenData.Api.Reports;

/// <summary>
/// The purchase review as a printable page: A4, Chinese, the rates drawn as an SVG bar chart on the server, no script.
/// Figures carry <c>data-scope</c> / <c>data-field</c> so a reader (and the browser test) finds them.
/// </summary>
internal static class PurchaseReviewPage
{
    private static readonly Dictionary<string, string> ScopeNames = new() { ["unit"] = "本单位", ["city"] = "本市", ["province"] = "全省" };

    public static string Render(PurchaseReviewReport r)
    {
        var html = new StringBuilder();
        html.Append("""
            <!DOCTYPE html>
            <html lang="zh-CN"><head><meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
            <title>大型科研仪器购置评议在线评估报告</title>
            <style>
            @page { size: A4; margin: 15mm; }
            body { font-family: "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; font-size: 10pt; color: #111; margin: 0; }
            h1 { font-size: 16pt; text-align: center; margin: 0 0 4mm; } h2 { font-size: 12pt; margin: 5mm 0 2mm; border-bottom: 1px solid #888; }
            table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #999; padding: 1mm 1.5mm; text-align: left; }
            td.n { text-align: right; } tr { break-inside: avoid; } .flag { color: #b00; font-weight: bold; }
            dl { display: grid; grid-template-columns: 28mm 1fr; gap: 1mm 3mm; margin: 0; } dt { color: #555; } dd { margin: 0; }
            </style></head><body>
            <h1>大型科研仪器购置评议在线评估报告</h1>
            """);
        html.Append("<dl>");
        Term(html, "拟购单位", $"{r.UnitName}（{r.UnitId}）", "unit");
        Term(html, "仪器类别", r.CategoryCode, "categoryCode");
        Term(html, "所在地区", $"{r.CityName}（{r.RegionCode}）", "region");
        Term(html, "拟购价格", string.Create(CultureInfo.InvariantCulture, $"{r.PriceCny:#,0.00} 元"), "priceCny");
        Term(html, "统计期间", $"{r.From:yyyy-MM-dd} 至 {r.To:yyyy-MM-dd}（近12个月）", "period");
        Term(html, "生成时间", $"{r.ComputedAt:yyyy-MM-dd HH:mm} UTC", "computedAt");
        html.Append("</dl><h2>同类仪器使用率与共享率</h2>");
        html.Append(PurchaseReviewChart.Svg(r.Scopes, ScopeNames));
        html.Append("<table id=\"scopes\"><thead><tr><th>范围</th><th>同类仪器（台）</th><th>闲置（台）</th><th>有效机时</th><th>对外服务机时</th><th>使用率</th><th>共享率</th></tr></thead><tbody>");
        foreach (var s in r.Scopes)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr data-scope=\"{s.Scope}\"><td>{ScopeNames[s.Scope]}：{E(s.Name)}</td>")
                .Append(Cell(s.Scope, "instruments", s.Instruments.ToString(CultureInfo.InvariantCulture)))
                .Append(Cell(s.Scope, "idle", s.Idle.ToString(CultureInfo.InvariantCulture)))
                .Append(Cell(s.Scope, "effectiveHours", Hours(s.EffectiveHours))).Append(Cell(s.Scope, "externalHours", Hours(s.ExternalHours)))
                .Append(Cell(s.Scope, "usageRate", PurchaseReviewConclusion.Percent(s.UsageRate)))
                .Append(Cell(s.Scope, "sharingRate", PurchaseReviewConclusion.Percent(s.SharingRate))).Append("</tr>");
        }
        html.Append("</tbody></table><h2>评估结论</h2>");
        html.Append(CultureInfo.InvariantCulture, $"<p id=\"conclusion\">{E(r.Conclusion)}</p>");
        html.Append(r.Rule15.NotToBeBoughtAgain
            ? $"<p id=\"rule15\" class=\"flag\" data-flag=\"true\">评价较差单位开放共享差的通用仪器类别：原则上不再批准新购（{r.Rule15.EvaluationYear}年度评价）。</p>"
            : $"<p id=\"rule15\" data-flag=\"false\">未触发“评价较差单位不再批准新购”规定（{r.Rule15.EvaluationYear}年度评价：{E(BandName(r.Rule15.UnitBand))}）。</p>");
        Instruments(html, r.Instruments);
        html.Append("<h2>依据</h2><ul>");
        foreach (var rule in r.Rules)
        {
            html.Append("<li>").Append(E(rule)).Append("</li>");
        }
        return html.Append("</ul></body></html>").ToString();
    }

    private static void Instruments(StringBuilder html, IReadOnlyList<ReviewInstrument> instruments)
    {
        html.Append("<h2>同类仪器清单（本单位、本市；全省仅列闲置）</h2><table id=\"instruments\"><thead><tr><th style='width:10mm'>范围</th><th style='width:38mm'>仪器（编号）</th><th style='width:30mm'>管理单位</th><th style='width:14mm'>使用率</th><th style='width:14mm'>共享率</th><th>闲置与告警</th></tr></thead><tbody>");
        foreach (var i in instruments)
        {
            // The page names the idle alerts (with the unit's explanation); the JSON carries every open alert.
            var alerts = string.Join("；", i.Alerts.Where(a => a.Kind.StartsWith("idle", StringComparison.Ordinal))
                .Select(a => a.Message + (a.Explanation is { } x ? $"（说明：{x}）" : "")));
            html.Append(CultureInfo.InvariantCulture, $"<tr data-instrument=\"{i.Id}\" data-scope=\"{i.Scope}\"><td>{ScopeNames[i.Scope]}</td><td>{E(i.Name)}（{E(i.InnerId)}）</td><td>{E(i.UnitName)}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td class=\"n\" data-field=\"usageRate\">{PurchaseReviewConclusion.Percent(i.UsageRate)}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td class=\"n\" data-field=\"sharingRate\">{PurchaseReviewConclusion.Percent(i.SharingRate)}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td{(i.Idle ? " class=\"flag\"" : "")} data-field=\"idle\" data-idle=\"{(i.Idle ? "true" : "false")}\">{(i.Idle ? "闲置：" : "")}{E(alerts)}{(i.Alerts.Count > 0 ? $"（未关闭告警{i.Alerts.Count}条）" : "")}</td></tr>");
        }
        html.Append("</tbody></table>");
    }

    private static void Term(StringBuilder html, string term, string value, string field) =>
        html.Append(CultureInfo.InvariantCulture, $"<dt>{term}</dt><dd data-field=\"{field}\">{E(value)}</dd>");

    private static string Cell(string scope, string field, string value) => $"<td class=\"n\" data-scope=\"{scope}\" data-field=\"{field}\">{value}</td>";

    private static string Hours(double hours) => hours.ToString("0.##", CultureInfo.InvariantCulture);

    private static string BandName(string? band) => band switch
    {
        Evaluation.Excellent => "优秀", Evaluation.Good => "良好", Evaluation.Pass => "合格", Evaluation.Poor => "较差", _ => "未参评",
    };

    private static string E(string value) => WebUtility.HtmlEncode(value);
}
