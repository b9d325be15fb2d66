using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data.Reference;
using DxyqOpenData.Api.Units;

namespace DxyqOpenData.Api.Demo;

/// <summary>A demo unit with what the other generators need to know about it.</summary>
internal sealed record UnitPlan(Unit Unit, double InstrumentWeight, string Domain);

/// <summary>An organisation a service can be delivered to: a unit of the node or a local enterprise / centre.</summary>
internal sealed record Organisation(string Name, string CreditCode, string RegionCode, bool IsEnterprise, string? UnitId);

/// <summary>管理单位: about 300 universities, institutes, hospitals and enterprises of the node's province.</summary>
internal sealed class UnitGenerator(DemoWorld world)
{
    private readonly HashSet<string> _names = [];
    private readonly HashSet<string> _codes = [];
    private readonly List<County> _counties = world.Province.Cities.SelectMany(c => c.Counties).ToList();
    private UnitVocabulary Vocabulary => world.Vocabulary.Units;

    public List<UnitPlan> Generate()
    {
        var random = world.Random(1);
        // 省属 has its own stream: adding it left the units as they were.
        var owned = world.Random(14);
        var count = world.Count(300, minimum: 4);
        var known = Vocabulary.Known.GetValueOrDefault(world.NodeCode) ?? [];
        var countyPicker = new WeightedPicker(_counties.Select(c =>
            Vocabulary.CityWeights.GetValueOrDefault(world.Regions.CityOf(c.Code)!.Code, 3.0) / world.Regions.CityOf(c.Code)!.Counties.Count));
        var typePicker = new WeightedPicker(Vocabulary.UnitTypeShare.Values);
        var types = Vocabulary.UnitTypeShare.Keys.Select(k => Enum.Parse<UnitType>(k, true)).ToList();
        var units = new List<UnitPlan>(count);
        var nextKnown = 0;
        for (var i = 0; i < count; i++)
        {
            // Well-known units come first and then every fifth, so small scales still show them.
            if (nextKnown < known.Count && (i == 0 || i % 5 == 0))
            {
                var parts = known[nextKnown++].Split('|');
                units.Add(Create(random, parts[0], Enum.Parse<UnitType>(parts[1], true), parts[2], known: true));
                units[^1].Unit.ProvinceOwned = ProvinceOwned(owned, units[^1].Unit.Type);
                continue;
            }
            var type = types[typePicker.Pick(random)];
            var county = _counties[countyPicker.Pick(random)];
            units.Add(Create(random, UniqueName(random, type, county.Code), type, county.Code, known: false));
            units[^1].Unit.ProvinceOwned = ProvinceOwned(owned, type);
        }
        return units;
    }

    /// <summary>Users' organisations: the units themselves plus local enterprises and centres, a third of them in mountain counties.</summary>
    public List<Organisation> Organisations(IReadOnlyList<UnitPlan> units)
    {
        var random = world.Random(2);
        var organisations = units.Select(u => new Organisation(u.Unit.Name, u.Unit.Id, u.Unit.RegionCode, u.Unit.Type == UnitType.Enterprise, u.Unit.Id)).ToList();
        var mountain = world.Regions.MountainCounties.ToList();
        var extra = Math.Max(12, (int)(units.Count * world.Vocabulary.Records.ExternalOrganisationsPerUnit));
        for (var i = 0; i < extra; i++)
        {
            // The 26 mountain counties are Zhejiang's; other nodes serve them across the Yangtze River Delta.
            var county = i % 3 == 0 ? random.Pick(mountain) : random.Pick(_counties);
            var pattern = random.Pick(world.Vocabulary.Records.ExternalOrganisationPatterns);
            var name = Unique(() => Fill(random, pattern, county.Code));
            var enterprise = name.EndsWith("公司", StringComparison.Ordinal);
            organisations.Add(new Organisation(name, NewCreditCode(random, enterprise ? "91" : "12", county.Code), county.Code, enterprise, null));
        }
        return organisations;
    }

    private UnitPlan Create(DemoRandom random, string name, UnitType type, string countyCode, bool known)
    {
        _names.Add(name);
        var city = world.Regions.CityOf(countyCode) ?? throw new InvalidOperationException($"County {countyCode} is not in regions.json.");
        var county = world.Regions.County(countyCode)!;
        var domain = $"u{random.Next(100, 99999)}.{world.Vocabulary.People.EmailDomains[type.ToString().ToLowerInvariant()]}";
        var hasFacility = type is UnitType.University or UnitType.Institute ? random.Chance(0.85) : random.Chance(0.3);
        var unit = new Unit
        {
            Id = NewCreditCode(random, type == UnitType.Enterprise ? "91" : "12", countyCode),
            Name = name,
            Type = type,
            RegionCode = countyCode,
            CityCode = city.Code,
            InMountainCounty = county.MountainCounty,
            Address = $"{world.Province.Name}{city.Name}{county.Name}{random.Pick(Vocabulary.Roads)}{random.Next(1, 999)}号",
            Website = $"https://www.{domain}",
            HasConnectedSystem = random.Chance(type switch { UnitType.University => 0.8, UnitType.Institute => 0.6, UnitType.Hospital => 0.5, _ => 0.2 }),
            SharedFacilityName = hasFacility ? name + random.Pick(Vocabulary.SharedFacilityNames) : null,
            UpdatedAt = world.Now.AddDays(-random.Next(1, 400)).AddSeconds(random.Next(86_400)),
        };
        var baseWeight = type switch { UnitType.University => 6.0, UnitType.Institute => 3.0, UnitType.Hospital => 2.0, _ => 0.6 };
        return new UnitPlan(unit, baseWeight * random.LogNormal(1, 0.8) * (known ? 3 : 1), domain);
    }

    /// <summary>省属 (owned by the node's province): the demo's share per type from units.json.</summary>
    private bool ProvinceOwned(DemoRandom random, UnitType type) =>
        random.Chance(Vocabulary.ProvinceOwnedShare.GetValueOrDefault(type.ToString().ToLowerInvariant()));

    private string UniqueName(DemoRandom random, UnitType type, string countyCode)
    {
        var patterns = Vocabulary.Patterns[type.ToString().ToLowerInvariant()];
        return Unique(() => Fill(random, random.Pick(patterns), countyCode));
    }

    private string Unique(Func<string> candidate)
    {
        for (var attempt = 0; ; attempt++)
        {
            var name = candidate();
            if (attempt > 30)
            {
                name = $"{name}（{attempt}）";
            }
            if (_names.Add(name))
            {
                return name;
            }
        }
    }

    private string Fill(DemoRandom random, string pattern, string countyCode)
    {
        var city = world.Regions.CityOf(countyCode)!;
        var county = world.Regions.County(countyCode)!;
        return pattern
            .Replace("{province}", world.Regions.Provinces.First(p => p.Cities.Contains(city)).ShortName)
            .Replace("{city}", Short(city.Name))
            .Replace("{county}", county.Name)
            .Replace("{field}", random.Pick(Vocabulary.Fields))
            .Replace("{industry}", random.Pick(Vocabulary.Industries))
            .Replace("{brand}", Brand(random))
            .Replace("{n}", random.Pick(["一", "二", "三", "四", "五", "六", "七"]));
    }

    private string Brand(DemoRandom random)
    {
        var first = random.Pick(Vocabulary.BrandParts);
        var second = random.Pick(Vocabulary.BrandParts);
        return first == second ? first + random.Pick(Vocabulary.Industries)[0] : first + second;
    }

    private static string Short(string cityName) => cityName.EndsWith('市') ? cityName[..^1] : cityName;

    /// <summary>A unique, valid GB 32100 code: authority/type, the seat's region code, an organisation code body.</summary>
    private string NewCreditCode(DemoRandom random, string authorityAndType, string regionCode)
    {
        while (true)
        {
            var body = authorityAndType == "91"
                ? "MA" + string.Concat(Enumerable.Range(0, 6).Select(_ => CreditCode.Alphabet[random.Next(CreditCode.Alphabet.Length)]))
                : "4" + random.Digits(7);
            var code = CreditCode.Create(authorityAndType, regionCode, body);
            if (_codes.Add(code))
            {
                return code;
            }
        }
    }
}
