namespace DxyqOpenData.Api.Supervision;

/// <summary>One year's holiday notice as the node holds it (seeded from the shipped file, or imported by an administrator).</summary>
public sealed class CalendarYear
{
    public int Year { get; set; }
    /// <summary>The notice as JSON: <c>{ year, holidays: [{ name, from, to }], workingWeekends: [date] }</c>.</summary>
    public required string Notice { get; set; }
    /// <summary><c>shipped</c> (from Data/Reference/calendar.json) or <c>imported</c>.</summary>
    public required string Source { get; set; }
    public DateTime UpdatedAt { get; set; }
}
