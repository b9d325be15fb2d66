using System.Text.Json;

namespace DxyqOpenData.Api.Data.Reference;

/// <summary>A public holiday of a notice: its name and first and last day off.</summary>
public sealed record Holiday(string Name, DateOnly From, DateOnly To);

/// <summary>
/// One year's State Council notice on public holidays (放假) and the weekend days worked instead (调休上班), as in
/// <c>Data/Reference/calendar.json</c> and in what administrators import.
/// </summary>
public sealed record CalendarNotice(int Year, IReadOnlyList<Holiday> Holidays, IReadOnlyList<DateOnly> WorkingWeekends)
{
    /// <summary>Reads the calendar file's shape: <c>{ "years": [ notice, … ] }</c>.</summary>
    public static IReadOnlyList<CalendarNotice> ReadFile(Stream stream)
    {
        var file = JsonSerializer.Deserialize<CalendarFile>(stream, JsonSerializerOptions.Web)
            ?? throw new InvalidDataException("The calendar file is empty.");
        return file.Years ?? throw new InvalidDataException("The calendar file has no \"years\".");
    }

    /// <summary>What is wrong with the notice, each with its JSON path; empty when it can be stored.</summary>
    public IReadOnlyList<(string Path, string Message)> Problems()
    {
        var problems = new List<(string, string)>();
        if (Year is < 2000 or > 2200)
        {
            problems.Add(("year", $"Year {Year} is outside 2000-2200."));
        }
        for (var i = 0; i < (Holidays?.Count ?? 0); i++)
        {
            var h = Holidays![i];
            if (string.IsNullOrWhiteSpace(h.Name))
            {
                problems.Add(($"holidays[{i}].name", "A holiday needs a name."));
            }
            if (h.To < h.From)
            {
                problems.Add(($"holidays[{i}].to", $"to ({h.To:yyyy-MM-dd}) is before from ({h.From:yyyy-MM-dd})."));
            }
            // New Year's Day of the next notice may start in the last days of the year before; nothing spans more.
            if (h.From.Year is var y && (y < Year - 1 || y > Year) || h.To.Year > Year || h.To.DayNumber - h.From.DayNumber > 31)
            {
                problems.Add(($"holidays[{i}]", $"{h.From:yyyy-MM-dd}..{h.To:yyyy-MM-dd} is not a holiday of {Year}."));
            }
        }
        for (var i = 0; i < (WorkingWeekends?.Count ?? 0); i++)
        {
            var d = WorkingWeekends![i];
            if (d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday))
            {
                problems.Add(($"workingWeekends[{i}]", $"{d:yyyy-MM-dd} is a {d.DayOfWeek}, not a weekend day."));
            }
            if (d.Year != Year)
            {
                problems.Add(($"workingWeekends[{i}]", $"{d:yyyy-MM-dd} is not in {Year}."));
            }
        }
        if (Holidays is null)
        {
            problems.Add(("holidays", "holidays is required (an empty list when the year has none)."));
        }
        if (WorkingWeekends is null)
        {
            problems.Add(("workingWeekends", "workingWeekends is required (an empty list when the year has none)."));
        }
        return problems;
    }

    private sealed record CalendarFile(IReadOnlyList<CalendarNotice>? Years);
}
