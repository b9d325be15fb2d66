using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Instruments;

namespace DxyqOpenData.Api.Units;

/// <summary>管理单位: an organisation that owns and manages instruments.</summary>
public sealed class Unit
{
    /// <summary>统一社会信用代码, 18 characters.</summary>
    public required string Id { get; set; }
    public required string Name { get; set; }
    public string? EnglishName { get; set; }
    public UnitType Type { get; set; }
    /// <summary>GB/T 2260 county-level code of the unit's seat.</summary>
    public required string RegionCode { get; set; }
    /// <summary>Prefecture-level city code (first four digits of the region code, then 00).</summary>
    public required string CityCode { get; set; }
    /// <summary>The seat is in one of Zhejiang's 26 mountain counties.</summary>
    public bool InMountainCounty { get; set; }
    /// <summary>省属: owned by the province (its universities and institutes may get the sharing insurance subsidy).</summary>
    public bool ProvinceOwned { get; set; }
    public string? Address { get; set; }
    public string? Website { get; set; }
    /// <summary>The unit's instrument management system pushes to the node; otherwise it imports monthly files.</summary>
    public bool HasConnectedSystem { get; set; }
    /// <summary>Name of the unit's shared facility (集约化平台), if it has one.</summary>
    public string? SharedFacilityName { get; set; }
    public DateTime UpdatedAt { get; set; }

    public List<Instrument> Instruments { get; set; } = [];
}
