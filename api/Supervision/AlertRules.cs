using DxyqOpenData.Api.Alerts;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Instruments;

namespace DxyqOpenData.Api.Supervision;

/// <summary>A rule broken now: what an open alert says.</summary>
public sealed record Breach(Guid InstrumentId, string UnitId, AlertKind Kind, AlertSeverity Severity, DateOnly Since, DateOnly Reference, string Message, string ClearedBy);

/// <summary>
/// Rules 2 and 5 over one instrument's facts, on Beijing dates: which alerts should be open today. Pure: the sweep
/// compares the answer with the open alerts and raises or resolves the difference.
/// </summary>
public static class AlertRules
{
    private static readonly (int Months, AlertKind Kind)[] Idle = [(1, AlertKind.Idle1Month), (3, AlertKind.Idle3Months), (6, AlertKind.Idle6Months)];

    public static IEnumerable<Breach> Evaluate(InstrumentFacts i, DateTime now, TimeSpan sensorOfflineAfter, AlertRuleTexts texts)
    {
        var today = BeijingTime.DateOf(now);
        // A scrapped instrument is out of supervision: its alerts resolve.
        if (i.Status == InstrumentStatus.Scrapped || i.ScrappedOn <= today)
        {
            yield break;
        }
        Breach New(AlertKind kind, DateOnly since, DateOnly reference, int days = 0) =>
            new(i.Id, i.UnitId, kind, texts.Severity(kind), since, reference, texts.Message(kind, i, reference, days), texts.ClearedBy(kind));

        if (i.OnboardedAt is not { } onboardedAt)
        {
            if (i.OnboardingDueDate < today)
            {
                yield return New(AlertKind.OnboardingOverdue, i.OnboardingDueDate.AddDays(1), i.OnboardingDueDate);
            }
            yield break;
        }
        var onboarded = BeijingTime.DateOf(onboardedAt);
        if (i.OnboardingLateDays is > 0 and var late)
        {
            yield return New(AlertKind.OnboardedLate, onboarded, i.OnboardingDueDate, late);
        }
        // Confidential instruments are registered only (rule 1): not shared, so not held to the sharing rules.
        if (i.IsConfidential)
        {
            yield break;
        }
        if (!i.HasActiveSensor && i.SensorDueDate is { } sensorDue && sensorDue < today)
        {
            yield return New(AlertKind.SensorOverdue, sensorDue.AddDays(1), sensorDue);
        }
        if (i.ShareMode is ShareMode.Open or ShareMode.Conditional && i.ServiceInfoCompletedAt is null
            && i.ServiceInfoDueDate is { } infoDue && infoDue < today)
        {
            yield return New(AlertKind.ServiceInfoOverdue, infoDue.AddDays(1), infoDue);
        }
        var lastOn = BeijingTime.DateOf(i.LastPowerOn is { } on && on > onboardedAt ? on : onboardedAt);
        foreach (var (months, kind) in Idle)
        {
            var complete = lastOn.AddMonths(months);
            if (complete < today)
            {
                yield return New(kind, complete.AddDays(1), lastOn);
            }
        }
        if (i.HasActiveSensor && (i.SensorLastSeenAt ?? i.SensorInstalledAt) is { } heard && now - heard > sensorOfflineAfter)
        {
            yield return New(AlertKind.SensorOffline, BeijingTime.DateOf(heard + sensorOfflineAfter), BeijingTime.DateOf(heard));
        }
    }

    /// <summary>Why an open alert no longer holds, in words for <c>resolutionReason</c>.</summary>
    public static string Resolution(AlertKind kind, InstrumentFacts? i, Breach? replacedBy)
    {
        if (i is null)
        {
            return "仪器已不在监管范围（已删除）。 / The instrument is no longer supervised (deleted).";
        }
        if (i.Status == InstrumentStatus.Scrapped || i.ScrappedOn is not null)
        {
            return "仪器已报废。 / The instrument was scrapped.";
        }
        return kind switch
        {
            AlertKind.OnboardingOverdue => "仪器已入网。 / The instrument was onboarded.",
            AlertKind.OnboardedLate => "按更正后的验收日期，入网未超期。 / By the corrected acceptance date the onboarding was on time.",
            AlertKind.SensorOverdue => "已关联启用的传感器。 / An active sensor is linked.",
            AlertKind.ServiceInfoOverdue => "服务信息已完善。 / The service information is complete.",
            AlertKind.Idle1Month or AlertKind.Idle3Months or AlertKind.Idle6Months => replacedBy is null
                ? "仪器已开机。 / The instrument was powered on."
                : $"仪器已于{replacedBy.Reference:yyyy-MM-dd}开机，此后另计。 / Powered on {replacedBy.Reference:yyyy-MM-dd}; idleness is counted anew from then.",
            AlertKind.SensorOffline => "传感器已恢复上报或已停用。 / The sensor reports again, or is no longer active.",
            _ => "条件已消除。 / The condition cleared.",
        };
    }
}
