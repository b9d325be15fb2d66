using System.Text.RegularExpressions;

namespace DxyqOpenData.Api.Imports;

/// <summary>
/// The push API's rule messages (what a schema cannot say; each kind's *PushHandler.cs) are English. Imports are read by
/// unit staff, so an import report gives each of them in Chinese first, as the schema messages of imports are:
/// "中文 / English". A message without a translation here stays as it is.
/// </summary>
internal static partial class RuleMessages
{
    private static readonly (Regex English, string Chinese)[] Translations =
    [
        (CannotStore(), "该值无法存储"),
        (BadCreditCode(), "'{1}' 不是有效的统一社会信用代码：校验位错误"),
        (OtherUnit(), "该条目写明单位 {1}，但客户端绑定的单位是 {2}：单位只能报送本单位的数据"),
        (DuplicateKey(), "编号 '{1}' 在本批中出现两次（另见第 {2} 项）"),
        (UnknownInstrument(), "未知的仪器资产编号 '{1}'：单位 {2} 没有该仪器（请先推送或导入该仪器）"),
        (UnknownOffering(), "未知的共享服务编号 '{1}'：单位 {2} 没有该服务"),
        (OfferingOfOtherInstrument(), "共享服务 '{1}' 属于其他仪器，而不是 '{2}'"),
        (EndBeforeStart(), "结束时间（{1}）早于开始时间（{2}）"),
        (HoursTooMany(), "机时（{1}）超过开始与结束时间之差（{2} 小时）"),
        (VoucherOverFee(), "创新券抵扣金额（{1}）超过服务费（{2}）"),
        (VoucherUsed(), "创新券 '{1}' 已被单位 {3} 的记录 '{2}' 使用：券号全节点只能使用一次，除非创新券系统已拆分该券，此时所有带该券号的记录均须标明 voucherSplit: true"),
        (SensorOfOtherUnit(), "禁止：传感器 '{1}' 属于其他单位；传感器编号在全平台唯一"),
        (SensorTwice(), "仪器 '{1}' 在本批中两次绑定传感器（另见第 {2} 项）；一台仪器只有一个传感器"),
        (RegionOtherProvince(), "'{1}'（{2}）是{3}的县级区划，不在{4}：仪器位于其单位所在的省"),
        (UnitOtherProvince(), "'{1}'（{2}）是{3}的县级区划，不在{4}：本节点只登记本省的单位"),
        (RegionNotCounty(), "'{1}'（{2}）是地市或省级代码：请填写县级区划代码（GB/T 2260）"),
        (RegionNoCounty(), "'{1}' 不是 GB/T 2260 行政区划代码：{2}没有代码为 {3} 的区县或地市"),
        (RegionNoProvince(), "'{1}' 不是 GB/T 2260 行政区划代码：没有省级代码 {2}"),
    ];

    /// <summary>"中文 / English" for a rule message the table knows; the message itself otherwise.</summary>
    public static string Bilingual(string message)
    {
        foreach (var (english, chinese) in Translations)
        {
            var match = english.Match(message);
            if (match.Success)
            {
                var text = chinese;
                for (var g = 1; g < match.Groups.Count; g++)
                {
                    text = text.Replace("{" + g + "}", match.Groups[g].Value, StringComparison.Ordinal);
                }
                return $"{text} / {message}";
            }
        }
        return message;
    }

    [GeneratedRegex(@"^The value cannot be stored: ")]
    private static partial Regex CannotStore();

    [GeneratedRegex(@"^'(.*)' is not a valid unified social credit code: wrong check character\.$")]
    private static partial Regex BadCreditCode();

    [GeneratedRegex(@"^The item names unit (.*), but the client is bound to unit (.*): a unit pushes only its own data\.$")]
    private static partial Regex OtherUnit();

    [GeneratedRegex(@"^Key '(.*)' appears twice in the batch \(also at index (\d+)\)\.$")]
    private static partial Regex DuplicateKey();

    [GeneratedRegex(@"^Unknown instrument innerId '(.*)': unit (.*) has no instrument with it \(push or import the instrument first\)\.$")]
    private static partial Regex UnknownInstrument();

    [GeneratedRegex(@"^Unknown service offering externalId '(.*)': unit (.*) has no offering with it\.$")]
    private static partial Regex UnknownOffering();

    [GeneratedRegex(@"^Service offering '(.*)' belongs to another instrument than '(.*)'\.$")]
    private static partial Regex OfferingOfOtherInstrument();

    [GeneratedRegex(@"^endedAt \((.*)\) is before startedAt \((.*)\)\.$")]
    private static partial Regex EndBeforeStart();

    [GeneratedRegex(@"^hours \((.*)\) exceeds the time between startedAt and endedAt \((.*) h\)\.$")]
    private static partial Regex HoursTooMany();

    [GeneratedRegex(@"^voucherAmountCny \((.*)\) exceeds feeCny \((.*)\)\.$")]
    private static partial Regex VoucherOverFee();

    [GeneratedRegex(@"^Voucher '(.*)' is already used by record '(.*)' of unit (.*): a voucher number is used once ")]
    private static partial Regex VoucherUsed();

    [GeneratedRegex(@"^Forbidden: sensor '(.*)' belongs to another unit; sensor ids are unique across the platform\.$")]
    private static partial Regex SensorOfOtherUnit();

    [GeneratedRegex(@"^Instrument '(.*)' gets a sensor twice in the batch \(also at index (\d+)\); an instrument has one sensor\.$")]
    private static partial Regex SensorTwice();

    [GeneratedRegex(@"^'(.*)' \((.*)\) is a county of (.*), not of (.*): an instrument stands in its unit's province\.$")]
    private static partial Regex RegionOtherProvince();

    [GeneratedRegex(@"^'(.*)' \((.*)\) is a county of (.*), not of (.*): a node registers the units of its own province\.$")]
    private static partial Regex UnitOtherProvince();

    [GeneratedRegex(@"^'(.*)' \((.*)\) is a city or province code: give the county's \(GB/T 2260, county level\)\.$")]
    private static partial Regex RegionNotCounty();

    [GeneratedRegex(@"^'(.*)' is not a GB/T 2260 region code: (.*) has no county or city (.*)\.$")]
    private static partial Regex RegionNoCounty();

    [GeneratedRegex(@"^'(.*)' is not a GB/T 2260 region code: there is no province (.*)\.$")]
    private static partial Regex RegionNoProvince();
}
