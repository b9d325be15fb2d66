using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Api.Supervision;
using DxyqOpenData.Api.Units;

namespace DxyqOpenData.Api.Demo;

/// <summary>大型科研仪器: about 15,000 instruments of at least 300,000 CNY, accepted 2019 to now, with their deadlines.</summary>
internal sealed class InstrumentGenerator(DemoWorld world)
{
    private static readonly DateOnly FirstAcceptance = new(2019, 1, 1);
    private InstrumentVocabulary Vocabulary => world.Vocabulary.Instruments;

    public List<InstrumentPlan> Generate(IReadOnlyList<UnitPlan> units)
    {
        var random = world.Random(3);
        var kinds = Vocabulary.Kinds;
        var kindPicker = new WeightedPicker(kinds.Select(k => (k.InstrumentType == "general" ? 3.0 : 1.0) * (k.MedianPriceCny < 1_000_000 ? 2.0 : 1.0)));
        var unitPicker = new WeightedPicker(units.Select(u => u.InstrumentWeight));
        var sequence = new Dictionary<string, int>();
        var count = world.Count(15_000, minimum: 20);
        var plans = new List<InstrumentPlan>(count);
        for (var i = 0; i < count; i++)
        {
            var unit = units[unitPicker.Pick(random)];
            var kind = kinds[kindPicker.Pick(random)];
            var seq = sequence[unit.Unit.Id] = sequence.GetValueOrDefault(unit.Unit.Id) + 1;
            var instrument = Describe(random, unit, kind, seq);
            Onboard(random, instrument, forceOverdue: i is 1 or 7);
            plans.Add(new InstrumentPlan { Index = i, Instrument = instrument, Kind = kind, Unit = unit });
        }
        return plans;
    }

    private Instrument Describe(DemoRandom random, UnitPlan unit, InstrumentKind kind, int seq)
    {
        var span = world.Today.AddDays(-3).DayNumber - FirstAcceptance.DayNumber;
        var acceptance = FirstAcceptance.AddDays(random.Next(span));
        var domesticShare = Vocabulary.DomesticShareByYear.GetValueOrDefault(acceptance.Year.ToString(), 0.3);
        var domesticMakers = kind.Manufacturers.Where(m => m.Country == "CN").ToList();
        var maker = domesticMakers.Count > 0 && random.Chance(domesticShare)
            ? random.Pick(domesticMakers)
            : random.Pick(kind.Manufacturers.Where(m => m.Country != "CN").DefaultIfEmpty(kind.Manufacturers[0]).ToList());
        var regionCode = random.Chance(0.85) ? unit.Unit.RegionCode : random.Pick(world.Regions.CityOf(unit.Unit.RegionCode)!.Counties).Code;
        var city = world.Regions.CityOf(regionCode)!;
        var type = kind.InstrumentType == "general" ? InstrumentType.General : InstrumentType.Special;
        var enterprise = unit.Unit.Type == Units.UnitType.Enterprise;
        var contact = world.PersonName(random);
        var instrument = new Instrument
        {
            Id = random.NextGuid(),
            UnitId = unit.Unit.Id,
            InnerId = $"{acceptance.Year}{kind.CategoryCode[2..]}{seq:D5}",
            Name = kind.Name,
            EnglishName = kind.EnglishName,
            Model = random.Pick(maker.Models),
            Manufacturer = maker.Name,
            CountryOfOrigin = maker.Country,
            IsDomestic = maker.Country == "CN",
            CategoryCode = kind.CategoryCode,
            InstrumentType = type,
            PriceCny = Price(random, kind),
            FundingSource = enterprise
                ? (random.Chance(0.7) ? FundingSource.SelfRaised : FundingSource.Mixed)
                : (random.Chance(0.9) ? FundingSource.Fiscal : random.Chance(0.5) ? FundingSource.Mixed : FundingSource.SelfRaised),
            IsConfidential = random.Chance(0.01),
            InSharedFacility = unit.Unit.SharedFacilityName is not null && random.Chance(type == InstrumentType.General ? 0.7 : 0.2),
            PurchaseDate = acceptance.AddDays(-random.Next(20, 180)),
            AcceptanceDate = acceptance,
            OnboardingDueDate = world.Calendar.AddWorkingDays(acceptance, InstrumentDeadlines.OnboardingWorkingDays).Date,
            Status = random.Chance(0.015) ? InstrumentStatus.UnderRepair : InstrumentStatus.Normal,
            ShareMode = random.NextDouble() switch { < 0.72 => ShareMode.Open, < 0.86 => ShareMode.Conditional, < 0.96 => ShareMode.InternalOnly, _ => ShareMode.NotShared },
            RegionCode = regionCode,
            Address = $"{unit.Unit.Address}{random.Pick(world.Vocabulary.Units.Buildings)}{random.Next(1, 8)}{random.Next(1, 30):D2}室",
            Latitude = Math.Round(city.Latitude + random.Gaussian() * 0.06, 6),
            Longitude = Math.Round(city.Longitude + random.Gaussian() * 0.06, 6),
            TechnicalSpecs = random.Pick(kind.TechnicalSpecs),
            MainFunctions = string.Join('；', kind.MainFunctions),
            SubjectAreas = string.Join('；', kind.SubjectAreas.Take(random.Next(1, kind.SubjectAreas.Count + 1))),
            ContactName = contact,
            ContactPhone = DemoWorld.MobilePhone(random),
            ContactEmail = world.Email(random, unit.Domain),
            RunState = RunState.Unknown,
        };
        if (instrument.IsConfidential)
        {
            instrument.ShareMode = ShareMode.NotShared;
        }
        if (!instrument.IsDomestic && random.Chance(0.6))
        {
            Import(random, instrument, kind);
        }
        if (acceptance.Year < 2022 && random.Chance(0.03))
        {
            instrument.Status = InstrumentStatus.Scrapped;
            instrument.ScrappedOn = acceptance.AddDays(random.Next(700, Math.Max(701, world.Today.DayNumber - acceptance.DayNumber - 1)));
            instrument.ShareMode = ShareMode.NotShared;
        }
        return instrument;
    }

    /// <summary>Log-normal around the kind's median, never under the 300,000 CNY threshold, two decimals.</summary>
    private static decimal Price(DemoRandom random, InstrumentKind kind)
    {
        var price = Math.Min(random.LogNormal(kind.MedianPriceCny, kind.PriceSigma), 60_000_000);
        if (price < (double)Instrument.MinimumPriceCny)
        {
            price = (double)Instrument.MinimumPriceCny + random.Uniform(0, 80_000);
        }
        return decimal.Round((decimal)price, 2);
    }

    /// <summary>Duty-free import for science (rule 11): three years of customs supervision; sharing then needs approval.</summary>
    private void Import(DemoRandom random, Instrument instrument, InstrumentKind kind)
    {
        var imported = instrument.AcceptanceDate.AddDays(-random.Next(20, 120));
        instrument.ImportDate = imported;
        instrument.CustomsDeclarationNo = $"{random.Pick(Vocabulary.CustomsCodes)}{imported.Year}1{random.Digits(9)}";
        instrument.HsCode = kind.HsCode;
        instrument.CustomsSupervisionEndsOn = imported.AddYears(3);
        if (instrument.CustomsSupervisionEndsOn > world.Today && instrument.ShareMode == ShareMode.Open)
        {
            instrument.ShareMode = ShareMode.Conditional;
        }
    }

    /// <summary>入网 within 30 working days of acceptance, mostly; some late, a few still missing past the deadline.</summary>
    private void Onboard(DemoRandom random, Instrument instrument, bool forceOverdue)
    {
        var overdue = forceOverdue || (instrument.OnboardingDueDate < world.Today && random.Chance(0.012));
        if (overdue)
        {
            instrument.AcceptanceDate = world.Today.AddDays(-random.Next(60, 300));
            InstrumentDeadlines.Apply(instrument, world.Calendar);
            instrument.Status = InstrumentStatus.Normal;
            instrument.ScrappedOn = null;
            instrument.IsConfidential = false;
            return;
        }
        var window = instrument.OnboardingDueDate.DayNumber - instrument.AcceptanceDate.DayNumber;
        var day = random.Chance(0.92)
            ? instrument.AcceptanceDate.AddDays(random.Next(1, window + 1))
            : instrument.OnboardingDueDate.AddDays(random.Next(1, 60));
        if (day >= world.Today)
        {
            return; // not onboarded yet, still within its deadline or just past it
        }
        var onboarded = DemoWorld.LocalToUtc(day, random.Uniform(9, 18));
        instrument.OnboardedAt = onboarded;
        InstrumentDeadlines.Apply(instrument, world.Calendar);
    }
}
