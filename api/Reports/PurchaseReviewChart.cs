using System.Globalization;
using System.Text;

namespace DxyqOpenData.Api.Reports;

/// <summary>
/// The purchase review's bar chart drawn on the server as inline SVG: per scope a usage-rate and a sharing-rate bar,
/// heights proportional to the rate on a scale from 0 to the larger of 100% and the highest rate.
/// </summary>
internal static class PurchaseReviewChart
{
    public const double PlotHeight = 150;

    public static string Svg(IReadOnlyList<ReviewScope> scopes, IReadOnlyDictionary<string, string> names)
    {
        var top = Math.Max(1.0, scopes.SelectMany(s => new[] { s.UsageRate ?? 0, s.SharingRate ?? 0 }).DefaultIfEmpty(0).Max());
        const double left = 40, baseY = 20 + PlotHeight, group = 160, bar = 40;
        var svg = new StringBuilder(string.Create(CultureInfo.InvariantCulture,
            $"<svg id=\"rates-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{left + group * scopes.Count + 20}\" height=\"{baseY + 50}\" role=\"img\" aria-label=\"同类仪器使用率与共享率\" data-scale=\"{top:0.####}\">"));
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{baseY}\" x2=\"{left + group * scopes.Count}\" y2=\"{baseY}\" stroke=\"#333\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 4}\" y=\"24\" font-size=\"10\" text-anchor=\"end\">{top * 100:0}%</text><text x=\"{left - 4}\" y=\"{baseY}\" font-size=\"10\" text-anchor=\"end\">0</text>");
        for (var i = 0; i < scopes.Count; i++)
        {
            var s = scopes[i];
            var x = left + 20 + group * i;
            Bar(svg, s.Scope, "usageRate", s.UsageRate, x, bar, baseY, top, "#2f6db5");
            Bar(svg, s.Scope, "sharingRate", s.SharingRate, x + bar + 10, bar, baseY, top, "#e08a1e");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + bar + 5}\" y=\"{baseY + 16}\" font-size=\"11\" text-anchor=\"middle\">{names[s.Scope]}</text>");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left + 20}\" y=\"{baseY + 30}\" width=\"10\" height=\"10\" fill=\"#2f6db5\"/><text x=\"{left + 34}\" y=\"{baseY + 39}\" font-size=\"10\">使用率</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left + 100}\" y=\"{baseY + 30}\" width=\"10\" height=\"10\" fill=\"#e08a1e\"/><text x=\"{left + 114}\" y=\"{baseY + 39}\" font-size=\"10\">共享率</text>");
        return svg.Append("</svg>").ToString();
    }

    private static void Bar(StringBuilder svg, string scope, string field, double? rate, double x, double width, double baseY, double top, string colour)
    {
        var height = Math.Round((rate ?? 0) / top * PlotHeight, 2);
        svg.Append(CultureInfo.InvariantCulture,
            $"<rect data-scope=\"{scope}\" data-field=\"{field}\" x=\"{x}\" y=\"{baseY - height}\" width=\"{width}\" height=\"{height}\" fill=\"{colour}\"/>");
        svg.Append(CultureInfo.InvariantCulture,
            $"<text data-scope=\"{scope}\" data-field=\"{field}\" x=\"{x + width / 2}\" y=\"{baseY - height - 3}\" font-size=\"10\" text-anchor=\"middle\">{PurchaseReviewConclusion.Percent(rate)}</text>");
    }
}
