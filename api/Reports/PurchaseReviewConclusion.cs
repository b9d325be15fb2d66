using System.Globalization;
using System.Text;

namespace DxyqOpenData.Api.Reports;

/// <summary>The purchase review's plain-language conclusion (Chinese, for the reviewers to quote) and the rules it rests on.</summary>
internal static class PurchaseReviewConclusion
{
    public static string Write(string category, decimal priceCny, DateOnly from, DateOnly to, IReadOnlyList<ReviewScope> scopes, ReviewRule15 rule15,
        double usageRateTarget)
    {
        var (unit, city, province) = (scopes[0], scopes[1], scopes[2]);
        var text = new StringBuilder(string.Create(CultureInfo.InvariantCulture,
            $"拟以财政资金购置{category}类仪器（{priceCny:#,0.##}元）。近12个月（{from:yyyy-MM-dd}至{to:yyyy-MM-dd}）："));
        text.Append(Sentence("本单位", unit)).Append('；').Append(Sentence(city.Name, city)).Append('；').Append(Sentence("全省", province)).Append('。');
        if (rule15.NotToBeBoughtAgain)
        {
            text.Append(CultureInfo.InvariantCulture, $"该单位{rule15.EvaluationYear}年度绩效评价较差，且该类通用仪器开放共享差，按规定原则上不再批准新购该类仪器。");
        }
        else if (unit.Idle > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"本单位有同类闲置仪器{unit.Idle}台，建议优先盘活本单位闲置仪器，审慎评议新购必要性。");
        }
        else if (city.Idle > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{city.Name}有同类闲置仪器{city.Idle}台，可通过共享、租赁或划转满足需求，建议审慎评议新购必要性。");
        }
        else if (unit.Instruments > 0 && unit.UsageRate >= usageRateTarget)
        {
            text.Append(CultureInfo.InvariantCulture, $"本单位同类仪器使用率达到{Percent(usageRateTarget)}以上且无闲置，新购需求有运行数据支撑。");
        }
        else
        {
            text.Append("未见同类闲置仪器，请结合购置必要性、合理性综合评议。");
        }
        return text.ToString();
    }

    private static string Sentence(string where, ReviewScope s) => s.Instruments == 0
        ? $"{where}无同类仪器"
        : string.Create(CultureInfo.InvariantCulture, $"{where}同类仪器{s.Instruments}台，使用率{Percent(s.UsageRate)}，共享率{Percent(s.SharingRate)}，闲置{s.Idle}台");

    public static string Percent(double? rate) => rate is { } r ? (r * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "—";

    public static IReadOnlyList<string> RulesUsed(EvaluationRules rules) =>
    [
        "rule 3: a planned purchase of 500,000 CNY or more with public money is reviewed; same class = same 6-digit category code",
        "period: the last 12 months, Beijing dates, up to yesterday",
        "usage rate = effective hours ÷ rated hours; sharing rate = hours for users outside the unit ÷ effective hours (docs/supervision.md)",
        "idle: an open idle1Month, idle3Months or idle6Months alert (rule 5)",
        string.Create(CultureInfo.InvariantCulture,
            $"rule 15: last year's evaluation rated the unit poor and its general-purpose class was shared below {rules.PoorlySharedClassRate}"),
    ];
}
