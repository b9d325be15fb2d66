using DxyqOpenData.Api.Data.Reference;
using DxyqOpenData.Api.Push;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Units;

/// <summary>
/// <c>POST /api/v1/push/units</c> (scope <c>admin</c>): registers or updates management units by credit code. The
/// schema checks the code's shape; here its check character, and the region, which must be a county-level code of
/// <c>regions.json</c>: the unit's city and its mountain-county flag are derived from it, never sent.
/// </summary>
internal sealed class UnitPushHandler(PushBatch batch) : PushHandler<UnitDocument>(batch)
{
    private const string UnitsOfTheNode = "a node registers the units of its own province";

    private Dictionary<string, Unit> _existing = [];

    protected override string KeyPath => "/creditCode";

    protected override async Task CheckRulesAsync(CancellationToken cancellationToken)
    {
        foreach (var (i, doc) in Valid.ToList())
        {
            if (!CreditCode.IsValid(doc.CreditCode))
            {
                Batch.Fail(i, "/creditCode", $"'{doc.CreditCode}' is not a valid unified social credit code: the check character should be "
                    + $"'{CreditCode.CheckCharacter(doc.CreditCode.AsSpan(0, 17))}'.");
            }
            if (Regions.Default.NotACounty(doc.RegionCode, Batch.NodeProvince, UnitsOfTheNode) is { } error)
            {
                Batch.Fail(i, "/regionCode", error);
            }
        }
        var keys = Valid.Select(v => v.Doc.CreditCode).ToList();
        _existing = keys.Count == 0 ? [] : await Db.Units.AsTracking()
            .Where(u => EF.Parameter(keys).Contains(u.Id))
            .ToDictionaryAsync(u => u.Id, StringComparer.Ordinal, cancellationToken);
    }

    public override async Task<(int Created, int Updated)> WriteAsync(CancellationToken cancellationToken)
    {
        var created = 0;
        foreach (var (_, doc) in Valid)
        {
            var city = Regions.Default.CityOf(doc.RegionCode)!;
            if (!_existing.TryGetValue(doc.CreditCode, out var row))
            {
                row = new Unit { Id = doc.CreditCode, Name = doc.Name, RegionCode = doc.RegionCode, CityCode = city.Code };
                Db.Units.Add(row);
                created++;
            }
            row.Name = doc.Name;
            row.EnglishName = doc.EnglishName;
            row.Type = Wire<UnitType>(doc.Type);
            row.RegionCode = doc.RegionCode;
            row.CityCode = city.Code;
            row.InMountainCounty = Regions.Default.IsMountainCounty(doc.RegionCode);
            row.Address = doc.Address;
            row.Website = doc.Website;
            row.ProvinceOwned = doc.ProvinceOwned ?? false;
            row.HasConnectedSystem = doc.HasConnectedSystem ?? false;
            row.SharedFacilityName = doc.SharedFacilityName;
            row.UpdatedAt = Now;
        }
        await SaveAsync(cancellationToken);
        return (created, Valid.Count() - created);
    }
}
