using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data.Reference;

namespace DxyqOpenData.Api.Demo;

/// <summary>What every generator reads: settings, vocabularies, reference data and the fixed "now".</summary>
internal sealed class DemoWorld
{
    public DemoWorld(DemoOptions options, string nodeCode, DemoVocabulary vocabulary, Regions regions, WorkingCalendar calendar)
    {
        Seed = options.Seed;
        Scale = options.Scale;
        NodeCode = nodeCode.ToUpperInvariant();
        Vocabulary = vocabulary;
        Regions = regions;
        Calendar = calendar;
        Province = regions.ForNode(NodeCode);
        Today = options.Now ?? DateOnly.FromDateTime(DateTime.UtcNow);
        Now = Today.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
    }

    public int Seed { get; }
    public double Scale { get; }
    public string NodeCode { get; }
    public DemoVocabulary Vocabulary { get; }
    public Regions Regions { get; }
    public WorkingCalendar Calendar { get; }
    public Province Province { get; }
    /// <summary>The reference date: data runs up to it.</summary>
    public DateOnly Today { get; }
    /// <summary>Midnight UTC of <see cref="Today"/> (08:00 in China).</summary>
    public DateTime Now { get; }

    /// <summary>China Standard Time is UTC+8 all year.</summary>
    public static DateTime LocalToUtc(DateOnly day, double localHour) =>
        day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).AddHours(localHour - 8);

    public int Count(double atFullScale, int minimum = 1) => Math.Max(minimum, (int)Math.Round(atFullScale * Scale));

    public DemoRandom Random(params long[] stream) => new(Seed, stream);

    public string PersonName(DemoRandom random)
    {
        var people = Vocabulary.People;
        var given = random.Pick(people.GivenNameCharacters);
        if (random.Chance(0.7))
        {
            given += random.Pick(people.GivenNameCharacters);
        }
        return random.Pick(people.Surnames) + given;
    }

    public static string MobilePhone(DemoRandom random) => $"1{random.Pick(["3", "5", "8", "9"])}{random.Digits(9)}";

    public string Email(DemoRandom random, string domain)
    {
        var initials = Vocabulary.People.PinyinInitials;
        var local = string.Concat(Enumerable.Range(0, random.Next(2, 4)).Select(_ => initials[random.Next(initials.Length)]));
        return $"{local}{random.Next(1, 999)}@{domain}";
    }
}
