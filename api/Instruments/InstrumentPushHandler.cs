using DxyqOpenData.Api.Push;
using DxyqOpenData.Api.Supervision;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Instruments;

internal sealed class InstrumentPushHandler(PushBatch batch) : PushHandler<InstrumentDocument>(batch)
{
    private Dictionary<string, Instrument> _existing = [];

    protected override string KeyPath => "/innerId";

    protected override async Task CheckRulesAsync(CancellationToken cancellationToken)
    {
        var keys = Valid.Select(v => v.Doc.InnerId).ToList();
        _existing = keys.Count == 0 ? [] : await OwnInstruments.AsTracking()
            .Where(x => x.UnitId == Unit && EF.Parameter(keys).Contains(x.InnerId))
            .ToDictionaryAsync(x => x.InnerId, StringComparer.Ordinal, cancellationToken);
    }

    public override async Task<(int Created, int Updated)> WriteAsync(CancellationToken cancellationToken)
    {
        var created = new List<Instrument>();
        var updated = 0;
        var calendar = await CalendarStore.LoadAsync(Db, cancellationToken);
        foreach (var (_, doc) in Valid)
        {
            if (!_existing.TryGetValue(doc.InnerId, out var row))
            {
                // Onboarding (入网) is the first time the node receives the instrument: now.
                row = new Instrument
                {
                    Id = Guid.NewGuid(), UnitId = Unit, InnerId = doc.InnerId, Name = doc.Name, CategoryCode = doc.CategoryCode,
                    RegionCode = doc.RegionCode, OnboardedAt = Now, RunState = RunState.Unknown,
                };
                created.Add(row);
            }
            else
            {
                updated++;
                row.OnboardedAt ??= Now;
            }
            Apply(row, doc);
            InstrumentDeadlines.Apply(row, calendar);
            row.UpdatedAt = Now;
        }
        await InsertAsync(created, cancellationToken);
        await SaveAsync(cancellationToken);
        return (created.Count, updated);
    }

    private static void Apply(Instrument row, InstrumentDocument doc)
    {
        row.Name = doc.Name;
        row.EnglishName = doc.EnglishName;
        row.Model = doc.Model;
        row.Manufacturer = doc.Manufacturer;
        row.CountryOfOrigin = doc.CountryOfOrigin;
        row.IsDomestic = doc.CountryOfOrigin == "CN";
        row.CategoryCode = doc.CategoryCode;
        row.InstrumentType = Wire<InstrumentType>(doc.InstrumentType);
        row.PriceCny = doc.PriceCny;
        row.FundingSource = Wire<FundingSource>(doc.FundingSource);
        row.IsConfidential = doc.IsConfidential ?? false;
        row.InSharedFacility = doc.InSharedFacility ?? false;
        row.PurchaseDate = doc.PurchaseDate;
        row.AcceptanceDate = doc.AcceptanceDate;
        row.ScrappedOn = doc.ScrappedOn;
        row.Status = Wire<InstrumentStatus>(doc.Status);
        row.ShareMode = Wire<ShareMode>(doc.ShareMode);
        row.RegionCode = doc.RegionCode;
        row.Address = doc.Address;
        row.Latitude = doc.Latitude;
        row.Longitude = doc.Longitude;
        row.TechnicalSpecs = doc.TechnicalSpecs;
        row.MainFunctions = doc.MainFunctions;
        row.SubjectAreas = doc.SubjectAreas;
        row.ServiceContent = doc.ServiceContent;
        row.ServiceRequirements = doc.ServiceRequirements;
        row.FeeStandard = doc.FeeStandard;
        row.ServiceUrl = doc.ServiceUrl;
        row.ContactName = doc.ContactName;
        row.ContactPhone = doc.ContactPhone;
        row.ContactEmail = doc.ContactEmail;
        row.CustomsDeclarationNo = doc.CustomsDeclarationNo;
        row.ImportDate = doc.ImportDate;
        row.HsCode = doc.HsCode;
        row.CustomsSupervisionEndsOn = doc.CustomsSupervisionEndsOn;
        row.RatedHoursPerYear = doc.RatedHoursPerYear;
    }
}
