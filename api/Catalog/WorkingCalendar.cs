using System.Text.Json;

namespace DxyqOpenData.Api.Catalog;

/// <summary>
/// The official Chinese working-day calendar: weekends and public holidays off, adjusted working weekends (调休) on.
/// Read from <c>Data/Reference/calendar.json</c>; years the file does not list count Monday to Friday.
/// </summary>
public sealed class WorkingCalendar(IEnumerable<DateOnly> holidays, IEnumerable<DateOnly> workingWeekends)
{
    private readonly HashSet<DateOnly> _holidays = [.. holidays];
    private readonly HashSet<DateOnly> _workingWeekends = [.. workingWeekends];

    public static WorkingCalendar Default => Lazy.Value;

    private static readonly Lazy<WorkingCalendar> Lazy = new(() => Load(Path.Combine(AppContext.BaseDirectory, "Data", "Reference", "calendar.json")));

    public static WorkingCalendar Load(string path)
    {
        using var stream = File.OpenRead(path);
        var file = JsonSerializer.Deserialize<CalendarFile>(stream, JsonSerializerOptions.Web)
            ?? throw new InvalidDataException($"{path} is empty.");
        var holidays = file.Years.SelectMany(y => y.Holidays).SelectMany(h => Days(h.From, h.To));
        return new WorkingCalendar(holidays, file.Years.SelectMany(y => y.WorkingWeekends));
    }

    public bool IsWorkingDay(DateOnly day) =>
        _workingWeekends.Contains(day)
        || (day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && !_holidays.Contains(day));

    /// <summary>
    /// The <paramref name="workingDays"/>-th working day after <paramref name="start"/> (start itself not counted); the
    /// calendar's last day (9999-12-31) when that is past it.
    /// </summary>
    public DateOnly AddWorkingDays(DateOnly start, int workingDays)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(workingDays);
        var day = start;
        for (var left = workingDays; left > 0;)
        {
            if (day == DateOnly.MaxValue)
            {
                return day;
            }
            day = day.AddDays(1);
            if (IsWorkingDay(day))
            {
                left--;
            }
        }
        return day;
    }

    private static IEnumerable<DateOnly> Days(DateOnly from, DateOnly to)
    {
        for (var d = from; d <= to; d = d.AddDays(1))
        {
            yield return d;
        }
    }

    private sealed record CalendarFile(IReadOnlyList<CalendarYear> Years);

    private sealed record CalendarYear(int Year, IReadOnlyList<Holiday> Holidays, IReadOnlyList<DateOnly> WorkingWeekends);

    private sealed record Holiday(string Name, DateOnly From, DateOnly To);
}
