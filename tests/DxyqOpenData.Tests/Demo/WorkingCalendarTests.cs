using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data.Reference;

namespace DxyqOpenData.Tests.Demo;

public sealed class WorkingCalendarTests
{
    private readonly WorkingCalendar _calendar = WorkingCalendar.Shipped;

    [Theory]
    // 2024 National Day: 1-7 October off, Sunday 29 September and Saturday 12 October worked (调休).
    [InlineData("2024-09-27", 1, "2024-09-29")]
    [InlineData("2024-09-29", 1, "2024-09-30")]
    [InlineData("2024-09-30", 1, "2024-10-08")]
    [InlineData("2024-10-11", 1, "2024-10-12")]
    [InlineData("2024-10-11", 2, "2024-10-14")]
    // 30 working days from acceptance on 2024-09-20: 7 holidays skipped, two adjusted weekend days counted.
    [InlineData("2024-09-20", 30, "2024-11-06")]
    // Spring Festival 2025: 28 January - 4 February off, Sunday 26 January and Saturday 8 February worked.
    [InlineData("2025-01-24", 1, "2025-01-26")]
    [InlineData("2025-01-27", 1, "2025-02-05")]
    public void AddWorkingDays_follows_the_official_calendar(string start, int days, string expected)
    {
        Assert.Equal(DateOnly.Parse(expected), _calendar.AddWorkingDays(DateOnly.Parse(start), days).Date);
    }

    [Fact]
    public void Years_not_in_the_file_count_Monday_to_Friday_and_are_provisional()
    {
        Assert.Equal(new CalendarDate(new DateOnly(2031, 3, 10), true), _calendar.AddWorkingDays(new DateOnly(2031, 3, 7), 1));
        // 2026-12-24 (Thursday) + 6: 25, 28, 29, 30, 31 December are held; Friday 1 January 2027 is not (New Year's Day
        // counted as a working day, so provisional).
        Assert.Equal(new CalendarDate(new DateOnly(2027, 1, 1), true), _calendar.AddWorkingDays(new DateOnly(2026, 12, 24), 6));
        Assert.Equal(new CalendarDate(new DateOnly(2026, 12, 31), false), _calendar.AddWorkingDays(new DateOnly(2026, 12, 24), 5));
    }
}
