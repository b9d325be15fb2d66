using System.Text.Json;

namespace DxyqOpenData.Api.Demo;

internal sealed record ManufacturerEntry(string Name, string Country, IReadOnlyList<string> Models);

internal sealed record ServiceEntry(string Kind, string Name, string FeeUnit, int MinFeeCny, int MaxFeeCny);

internal sealed record InstrumentKind(
    string Name, string EnglishName, string CategoryCode, double MedianPriceCny, double PriceSigma, string InstrumentType,
    string HsCode, IReadOnlyList<string> SubjectAreas, IReadOnlyList<ManufacturerEntry> Manufacturers,
    IReadOnlyList<string> TechnicalSpecs, IReadOnlyList<string> MainFunctions, IReadOnlyList<ServiceEntry> Services);

internal sealed record InstrumentVocabulary(
    IReadOnlyList<InstrumentKind> Kinds, IReadOnlyList<string> ServiceRequirements, string ServiceProcess,
    IReadOnlyDictionary<string, double> DomesticShareByYear, IReadOnlyList<string> CustomsCodes);

internal sealed record UnitVocabulary(
    IReadOnlyDictionary<string, IReadOnlyList<string>> Known, IReadOnlyDictionary<string, IReadOnlyList<string>> Patterns,
    IReadOnlyList<string> Fields, IReadOnlyList<string> Industries, IReadOnlyList<string> BrandParts,
    IReadOnlyList<string> SharedFacilityNames, IReadOnlyDictionary<string, double> ProvinceOwnedShare, IReadOnlyDictionary<string, double> UnitTypeShare,
    IReadOnlyDictionary<string, double> CityWeights, IReadOnlyList<string> Roads, IReadOnlyList<string> Buildings);

internal sealed record PeopleVocabulary(
    IReadOnlyList<string> Surnames, IReadOnlyList<string> GivenNameCharacters,
    IReadOnlyDictionary<string, string> EmailDomains, string PinyinInitials);

internal sealed record SensorVendor(string Name, IReadOnlyList<string> Models, string Format);

internal sealed record SensorVocabulary(IReadOnlyList<string> Formats, IReadOnlyList<SensorVendor> Vendors);

internal sealed record DatasetVocabulary(
    IReadOnlyList<string> Titles, IReadOnlyList<string> EnglishTitles, IReadOnlyList<IReadOnlyList<string>> Topics,
    IReadOnlyList<IReadOnlyList<JsonElement>> Licenses, IReadOnlyList<string> DoiPrefixes, string LandingPageBase,
    IReadOnlyList<string> MediaTypes);

internal sealed record RecordVocabulary(
    IReadOnlyList<string> Contents, IReadOnlyList<string> Feedback, IReadOnlyList<string> ExternalOrganisationPatterns,
    double ExternalOrganisationsPerUnit, double MountainCountyUserShare, double VoucherShareOfEnterpriseRecords,
    double ContractRewardedShareOfExternalRecords);

/// <summary>Every word the demo generator uses, from <c>Demo/Vocabulary/*.json</c>.</summary>
internal sealed record DemoVocabulary(
    InstrumentVocabulary Instruments, UnitVocabulary Units, PeopleVocabulary People, SensorVocabulary Sensors,
    DatasetVocabulary Datasets, RecordVocabulary Records)
{
    public static DemoVocabulary Load(string? directory = null)
    {
        directory ??= Path.Combine(AppContext.BaseDirectory, "Demo", "Vocabulary");
        return new DemoVocabulary(
            Read<InstrumentVocabulary>(directory, "instruments.json"),
            Read<UnitVocabulary>(directory, "units.json"),
            Read<PeopleVocabulary>(directory, "people.json"),
            Read<SensorVocabulary>(directory, "sensors.json"),
            Read<DatasetVocabulary>(directory, "datasets.json"),
            Read<RecordVocabulary>(directory, "records.json"));
    }

    private static T Read<T>(string directory, string file)
    {
        var path = Path.Combine(directory, file);
        using var stream = File.OpenRead(path);
        return JsonSerializer.Deserialize<T>(stream, JsonSerializerOptions.Web)
            ?? throw new InvalidDataException($"{path} is empty.");
    }
}
