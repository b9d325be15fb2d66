namespace DxyqOpenData.Api.Data.Reference;

/// <summary>A date a rule computed, and whether it counted days of a year the calendar does not hold.</summary>
public readonly record struct CalendarDate(DateOnly Date, bool Provisional);

/// <summary>
/// The official Chinese working-day calendar: weekends and public holidays off, adjusted working weekends (调休) on,
/// for the years whose notice it holds (stored in <c>calendar_years</c>, seeded from <c>Data/Reference/calendar.json</c>,
/// see <see cref="Supervision.CalendarStore"/>). A year it does not hold counts Monday to Friday, and every result
/// that counted a day of such a year is marked provisional: never a silent guess.
/// </summary>
public sealed class WorkingCalendar
{
    private readonly HashSet<DateOnly> _holidays = [];
    private readonly HashSet<DateOnly> _workingWeekends = [];
    private readonly HashSet<int> _years = [];

    public WorkingCalendar(IEnumerable<CalendarNotice> notices)
    {
        foreach (var notice in notices)
        {
            _years.Add(notice.Year);
            foreach (var holiday in notice.Holidays)
            {
                for (var d = holiday.From; d <= holiday.To; d = d.AddDays(1))
                {
                    _holidays.Add(d);
                }
            }
            _workingWeekends.UnionWith(notice.WorkingWeekends);
        }
    }

    /// <summary>The shipped file, for code that runs without a database (the demo generators, unit tests).</summary>
    public static WorkingCalendar Shipped => Lazy.Value;

    /// <summary>Where the shipped calendar file is.</summary>
    public static string ShippedPath => Path.Combine(AppContext.BaseDirectory, "Data", "Reference", "calendar.json");

    private static readonly Lazy<WorkingCalendar> Lazy = new(() =>
    {
        using var stream = File.OpenRead(ShippedPath);
        return new WorkingCalendar(CalendarNotice.ReadFile(stream));
    });

    /// <summary>The years whose notice the calendar holds.</summary>
    public IReadOnlySet<int> Years => _years;

    public bool Holds(int year) => _years.Contains(year);

    public bool IsWorkingDay(DateOnly day) =>
        _workingWeekends.Contains(day)
        || (day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && !_holidays.Contains(day));

    /// <summary>
    /// The <paramref name="workingDays"/>-th working day after <paramref name="start"/> (start itself not counted),
    /// provisional when a day counted lies in a year the calendar does not hold.
    /// </summary>
    public CalendarDate AddWorkingDays(DateOnly start, int workingDays)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(workingDays);
        var day = start;
        var provisional = false;
        for (var left = workingDays; left > 0 && day < DateOnly.MaxValue;)
        {
            day = day.AddDays(1);
            provisional |= !Holds(day.Year);
            if (IsWorkingDay(day))
            {
                left--;
            }
        }
        return new CalendarDate(day, provisional);
    }

    /// <summary>
    /// How many working days lie after <paramref name="from"/> up to and including <paramref name="to"/> (0 when
    /// <paramref name="to"/> is not after it): how late something done on <paramref name="to"/> was for a deadline
    /// on <paramref name="from"/>. Provisional as <see cref="AddWorkingDays"/>.
    /// </summary>
    public (int Days, bool Provisional) WorkingDaysAfter(DateOnly from, DateOnly to)
    {
        var days = 0;
        var provisional = false;
        for (var day = from; day < to;)
        {
            day = day.AddDays(1);
            provisional |= !Holds(day.Year);
            if (IsWorkingDay(day))
            {
                days++;
            }
        }
        return (days, provisional);
    }
}
