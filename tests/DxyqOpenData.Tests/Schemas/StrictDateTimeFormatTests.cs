using DxyqOpenData.Schemas;

namespace DxyqOpenData.Tests.Schemas;

/// <summary>
/// <c>date-time</c> is decided without the culture-aware parser for the common shape; these hold that verdict equal to
/// the parser's (the definition) over every combination of the fields around their bounds and over random mutations.
/// </summary>
public sealed class StrictDateTimeFormatTests
{
    private static readonly string[] Years = ["0000", "0001", "0002", "1999", "2024", "2026", "2100", "2000", "9998", "9999", "20x6"];
    private static readonly string[] Months = ["00", "01", "02", "04", "12", "13"];
    private static readonly string[] Days = ["00", "01", "28", "29", "30", "31", "32"];
    private static readonly string[] Times = ["00:00:00", "23:59:59", "24:00:00", "12:60:00", "12:00:60", "9:00:000", "12:00:0a"];
    private static readonly string[] Fractions = ["", ".", ".1", ".1234567", ".12345678", ".5a"];
    private static readonly string[] Zones =
        ["Z", "z", "+08:00", "-00:00", "+13:59", "+14:00", "-14:00", "+14:01", "+08:60", "+0800", "", "+8:00", "Z ", " Z", "+08:00Z"];
    private static readonly string[] Separators = ["T", "t", " "];

    private static IEnumerable<string> Combinations() =>
        from year in Years
        from month in Months
        from day in Days
        from separator in Separators
        from time in Times
        from fraction in Fractions
        from zone in Zones
        select $"{year}-{month}-{day}{separator}{time}{fraction}{zone}";

    [Fact]
    public void The_common_shape_verdict_equals_the_parser_over_every_combination_of_bounds()
    {
        var decided = 0;
        foreach (var text in Combinations())
        {
            if (StrictDateTimeFormat.CommonShapeVerdict(text) is { } verdict)
            {
                decided++;
                Assert.True(verdict == StrictDateTimeFormat.Parsed(text), $"'{text}': fast {verdict}, parser {!verdict}");
            }
        }
        // The fast path must actually decide the shapes documents use, valid and invalid.
        Assert.True(decided > 10_000, $"only {decided} decided");
        Assert.True(StrictDateTimeFormat.CommonShapeVerdict("2026-03-01T08:00:00+08:00"));
        Assert.True(StrictDateTimeFormat.CommonShapeVerdict("2024-02-29T23:59:59.1234567Z"));
        Assert.False(StrictDateTimeFormat.CommonShapeVerdict("2026-02-29T08:00:00+08:00"));
        Assert.False(StrictDateTimeFormat.CommonShapeVerdict("2026-03-01T24:00:00Z"));
    }

    [Fact]
    public void The_common_shape_verdict_equals_the_parser_over_random_mutations()
    {
        var random = new Random(20261129);
        const string alphabet = "0123456789-:+.TZz 9";
        string[] seeds = ["2026-03-01T08:00:00+08:00", "2024-02-29T23:59:59.1234567Z", "2100-02-28T00:00:00-05:30", "0002-01-01T00:00:00Z"];
        var decided = 0;
        for (var n = 0; n < 200_000; n++)
        {
            var chars = seeds[n % seeds.Length].ToCharArray().ToList();
            for (var m = random.Next(1, 4); m > 0; m--)
            {
                var at = random.Next(chars.Count);
                switch (random.Next(3))
                {
                    case 0: chars[at] = alphabet[random.Next(alphabet.Length)]; break;
                    case 1: chars.RemoveAt(at); break;
                    default: chars.Insert(at, alphabet[random.Next(alphabet.Length)]); break;
                }
                if (chars.Count == 0)
                {
                    chars.Add('0');
                }
            }
            var text = new string([.. chars]);
            if (StrictDateTimeFormat.CommonShapeVerdict(text) is { } verdict)
            {
                decided++;
                Assert.True(verdict == StrictDateTimeFormat.Parsed(text), $"'{text}': fast {verdict}, parser {!verdict}");
            }
        }
        Assert.True(decided > 10_000, $"only {decided} decided");
    }
}
