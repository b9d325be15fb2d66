using System.Text.Json;
using DxyqOpenData.Api.Alerts;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;

namespace DxyqOpenData.Api.Supervision;

/// <summary>Each rule's severity, message template and what clears it, from <c>Data/Reference/alert-rules.json</c>.</summary>
public sealed class AlertRuleTexts
{
    public sealed record Rule(string Severity, string Message, string ClearedBy);

    private readonly Dictionary<AlertKind, (AlertSeverity Severity, string Message, string ClearedBy)> _rules = [];

    private AlertRuleTexts(IReadOnlyDictionary<string, Rule> rules)
    {
        foreach (var kind in Enum.GetValues<AlertKind>())
        {
            var name = WireNames<AlertKind>.ToWire(kind);
            if (!rules.TryGetValue(name, out var rule))
            {
                throw new InvalidDataException($"alert-rules.json has no rule '{name}'.");
            }
            _rules[kind] = (WireNames<AlertSeverity>.FromWire(rule.Severity), rule.Message, rule.ClearedBy);
        }
    }

    public static AlertRuleTexts Default => Lazy.Value;

    private static readonly Lazy<AlertRuleTexts> Lazy = new(() =>
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Data", "Reference", "alert-rules.json");
        using var stream = File.OpenRead(path);
        var file = JsonSerializer.Deserialize<RulesFile>(stream, JsonSerializerOptions.Web) ?? throw new InvalidDataException($"{path} is empty.");
        return new AlertRuleTexts(file.Rules);
    });

    public AlertSeverity Severity(AlertKind kind) => _rules[kind].Severity;

    public string ClearedBy(AlertKind kind) => _rules[kind].ClearedBy;

    public string Message(AlertKind kind, InstrumentFacts instrument, DateOnly date, int days = 0) => _rules[kind].Message
        .Replace("{unit}", instrument.UnitName)
        .Replace("{instrument}", instrument.Name)
        .Replace("{innerId}", instrument.InnerId)
        .Replace("{date}", date.ToString("yyyy-MM-dd"))
        .Replace("{days}", days.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private sealed record RulesFile(IReadOnlyDictionary<string, Rule> Rules);
}
