using DxyqOpenData.Api.Push;

namespace DxyqOpenData.Api.Units;

/// <summary>A <c>/schemas/unit/v1.json</c> document: the registry entry of a management unit, keyed by its credit code.</summary>
internal sealed record UnitDocument(
    string CreditCode, string Name, string? EnglishName, string Type, string RegionCode, string? Address, string? Website,
    bool? ProvinceOwned, bool? HasConnectedSystem, string? SharedFacilityName) : IPushDocument
{
    /// <summary>A unit document is about a unit, not pushed by one: administrators register units.</summary>
    string? IPushDocument.UnitId => null;

    public string Key => CreditCode;
}
