using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data.Reference;
using DxyqOpenData.Api.Instruments;

namespace DxyqOpenData.Api.Supervision;

/// <summary>
/// Rule 2's deadlines of one instrument, from its acceptance date and the time it was onboarded, on Beijing dates:
/// onboarding within 30 working days of acceptance, a sensor within 30 working days of onboarding, service information
/// within 3 months of onboarding. The one place they are computed (push, import, demo, calendar import).
/// </summary>
public static class InstrumentDeadlines
{
    public const int OnboardingWorkingDays = 30;
    public const int SensorWorkingDays = 30;
    public const int ServiceInfoMonths = 3;

    /// <summary>Sets the deadlines and the lateness of onboarding; returns whether any value changed.</summary>
    public static bool Apply(Instrument instrument, WorkingCalendar calendar)
    {
        var before = (instrument.OnboardingDueDate, instrument.OnboardingDueProvisional, instrument.OnboardingLateDays,
            instrument.SensorDueDate, instrument.SensorDueProvisional, instrument.ServiceInfoDueDate);
        var due = calendar.AddWorkingDays(instrument.AcceptanceDate, OnboardingWorkingDays);
        instrument.OnboardingDueDate = due.Date;
        instrument.OnboardingDueProvisional = due.Provisional;
        if (instrument.OnboardedAt is { } onboardedAt)
        {
            var onboarded = BeijingTime.DateOf(onboardedAt);
            var (late, lateProvisional) = calendar.WorkingDaysAfter(due.Date, onboarded);
            instrument.OnboardingLateDays = late;
            instrument.OnboardingDueProvisional |= lateProvisional;
            var sensorDue = calendar.AddWorkingDays(onboarded, SensorWorkingDays);
            instrument.SensorDueDate = sensorDue.Date;
            instrument.SensorDueProvisional = sensorDue.Provisional;
            instrument.ServiceInfoDueDate = onboarded.AddMonths(ServiceInfoMonths);
        }
        else
        {
            instrument.OnboardingLateDays = null;
            instrument.SensorDueDate = null;
            instrument.SensorDueProvisional = false;
            instrument.ServiceInfoDueDate = null;
        }
        return before != (instrument.OnboardingDueDate, instrument.OnboardingDueProvisional, instrument.OnboardingLateDays,
            instrument.SensorDueDate, instrument.SensorDueProvisional, instrument.ServiceInfoDueDate);
    }
}
