using System.Text.Json;

namespace DxyqOpenData.Api.Data.Reference;

public sealed record County(string Code, string Name, bool MountainCounty);

public sealed record City(string Code, string Name, double Latitude, double Longitude, IReadOnlyList<County> Counties);

public sealed record Province(string NodeCode, string Code, string Name, string ShortName, IReadOnlyList<City> Cities);

/// <summary>
/// GB/T 2260 regions of the Yangtze River Delta nodes, read from <c>Data/Reference/regions.json</c>: the data file
/// administrators edit, including which counties are Zhejiang's 26 mountain counties (山区26县).
/// </summary>
public sealed class Regions
{
    private readonly Dictionary<string, County> _counties;
    private readonly Dictionary<string, City> _cityOfCounty;

    public Regions(IReadOnlyList<Province> provinces)
    {
        Provinces = provinces;
        _counties = [];
        _cityOfCounty = [];
        foreach (var city in provinces.SelectMany(p => p.Cities))
        {
            foreach (var county in city.Counties)
            {
                _counties[county.Code] = county;
                _cityOfCounty[county.Code] = city;
            }
        }
    }

    public IReadOnlyList<Province> Provinces { get; }

    public static Regions Default => Lazy.Value;

    private static readonly Lazy<Regions> Lazy = new(() => Load(Path.Combine(AppContext.BaseDirectory, "Data", "Reference", "regions.json")));

    public static Regions Load(string path)
    {
        using var stream = File.OpenRead(path);
        var file = JsonSerializer.Deserialize<RegionsFile>(stream, JsonSerializerOptions.Web)
            ?? throw new InvalidDataException($"{path} is empty.");
        return new Regions(file.Provinces);
    }

    /// <summary>The province a node serves, by node code (ZJ, SH, JS, AH).</summary>
    public Province ForNode(string nodeCode) =>
        Provinces.FirstOrDefault(p => string.Equals(p.NodeCode, nodeCode, StringComparison.OrdinalIgnoreCase))
        ?? throw new InvalidOperationException($"No regions for node code '{nodeCode}' in regions.json.");

    public County? County(string code) => _counties.GetValueOrDefault(code);

    public City? CityOf(string countyCode) => _cityOfCounty.GetValueOrDefault(countyCode);

    public bool IsMountainCounty(string? code) => code is not null && _counties.TryGetValue(code, out var c) && c.MountainCounty;

    public IEnumerable<County> MountainCounties => _counties.Values.Where(c => c.MountainCounty);

    private sealed record RegionsFile(IReadOnlyList<Province> Provinces);
}
