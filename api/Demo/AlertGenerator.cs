using DxyqOpenData.Api.Alerts;
using DxyqOpenData.Api.Catalog;

namespace DxyqOpenData.Api.Demo;

/// <summary>
/// The alerts the supervision rules raise on the generated instruments (rules 2 and 5), computed from the data itself:
/// idle for 1/3/6 months (notice/warning/critical), onboarding, sensor and service-information deadlines missed.
/// </summary>
internal sealed class AlertGenerator(DemoWorld world)
{
    public IEnumerable<Alert> Generate(IReadOnlyList<InstrumentPlan> plans)
    {
        var random = world.Random(11);
        foreach (var plan in plans)
        {
            var instrument = plan.Instrument;
            if (instrument.IsConfidential || instrument.Status == InstrumentStatus.Scrapped)
            {
                continue;
            }
            if (instrument.OnboardedAt is null)
            {
                if (instrument.OnboardingDueDate < world.Today)
                {
                    yield return Deadline(random, plan, AlertKind.OnboardingOverdue, instrument.OnboardingDueDate);
                }
                continue;
            }
            if (plan.Sensor is null && instrument.SensorDueDate is { } sensorDue && sensorDue < world.Today)
            {
                yield return Deadline(random, plan, AlertKind.SensorOverdue, sensorDue);
            }
            if (plan.Shareable && instrument.ServiceInfoCompletedAt is null && instrument.ServiceInfoDueDate is { } infoDue && infoDue < world.Today)
            {
                yield return Deadline(random, plan, AlertKind.ServiceInfoOverdue, infoDue);
            }
            var lastOn = DateOnly.FromDateTime(plan.LastActiveAt ?? instrument.OnboardedAt.Value);
            foreach (var (months, kind, severity) in new[] { (1, AlertKind.Idle1Month, AlertSeverity.Notice), (3, AlertKind.Idle3Months, AlertSeverity.Warning), (6, AlertKind.Idle6Months, AlertSeverity.Critical) })
            {
                var reached = lastOn.AddMonths(months);
                if (reached < world.Today)
                {
                    yield return New(random, plan, kind, severity, lastOn, reached.AddDays(1));
                }
            }
        }
    }

    private Alert Deadline(DemoRandom random, InstrumentPlan plan, AlertKind kind, DateOnly due) =>
        New(random, plan, kind, AlertSeverity.Warning, due, due.AddDays(1));

    private Alert New(DemoRandom random, InstrumentPlan plan, AlertKind kind, AlertSeverity severity, DateOnly reference, DateOnly raised)
    {
        var vocabulary = world.Vocabulary.Alerts;
        return new Alert
        {
            Id = random.NextGuid(),
            UnitId = plan.Instrument.UnitId,
            InstrumentId = plan.Instrument.Id,
            Kind = kind,
            Severity = severity,
            Message = vocabulary.Messages[kind.ToString()]
                .Replace("{unit}", plan.Unit.Unit.Name)
                .Replace("{instrument}", plan.Instrument.Name)
                .Replace("{innerId}", plan.Instrument.InnerId)
                .Replace("{date}", reference.ToString("yyyy-MM-dd")),
            RaisedAt = DemoWorld.LocalToUtc(raised, 9),
            ReferenceDate = reference,
            Explanation = plan.Instrument.Status == InstrumentStatus.UnderRepair && kind is AlertKind.Idle1Month or AlertKind.Idle3Months or AlertKind.Idle6Months
                ? vocabulary.RepairExplanation
                : null,
        };
    }
}
