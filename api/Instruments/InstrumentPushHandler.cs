using DxyqOpenData.Api.Data.Reference;
using DxyqOpenData.Api.Push;
using DxyqOpenData.Api.Sensors;
using DxyqOpenData.Api.Supervision;
using DxyqOpenData.Api.UsageSessions;
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
        // The region: a GB/T 2260 county of the unit's province (docs/supervision.md, "Region codes").
        var unitRegion = await Db.Units.Where(u => u.Id == Unit).Select(u => u.RegionCode).FirstOrDefaultAsync(cancellationToken);
        var province = unitRegion is null ? null : Regions.Default.ProvinceOf(unitRegion.Trim());
        foreach (var (i, doc) in Valid.ToList())
        {
            if (Regions.Default.NotACounty(doc.RegionCode, province) is { } error)
            {
                Batch.Fail(i, "/regionCode", error);
            }
        }
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
        var scrapped = Valid.Select(v => _existing.GetValueOrDefault(v.Doc.InnerId)).OfType<Instrument>()
            .Where(i => i.Status == InstrumentStatus.Scrapped || i.ScrappedOn is not null).Select(i => i.Id).ToList();
        await RecoverSensorsAsync(scrapped, cancellationToken);
        return (created.Count, updated);
    }

    /// <summary>
    /// A scrapped instrument's sensors are recovered (rule 2), in the push's transaction: its active sensors become
    /// <c>recovered</c>, and a run still open ends at the sensor's last report (what it last saw, not the push's time).
    /// A new instrument pushed as scrapped has no sensor yet, so only those that existed are looked at.
    /// </summary>
    private async Task RecoverSensorsAsync(List<Guid> scrapped, CancellationToken cancellationToken)
    {
        if (scrapped.Count == 0)
        {
            return;
        }
        var sensors = await Db.Sensors.AsTracking()
            .Where(s => s.InstrumentId != null && scrapped.Contains(s.InstrumentId.Value) && s.Status == SensorStatus.Active)
            .ToListAsync(cancellationToken);
        if (sensors.Count == 0)
        {
            return;
        }
        var lastSeen = sensors.ToDictionary(s => s.Id, s => s.LastSeenAt, StringComparer.Ordinal);
        var ids = lastSeen.Keys.ToList();
        var open = await Db.UsageSessions.IgnoreQueryFilters([Instrument.PublishedFilter]).AsTracking()
            .Where(s => s.Source == SessionSource.Sensor && s.EndReason == SessionEnd.Open && s.SensorId != null && ids.Contains(s.SensorId))
            .ToListAsync(cancellationToken);
        foreach (var session in open)
        {
            var ended = lastSeen[session.SensorId!] is { } seen && seen > session.StartedAt ? seen : session.StartedAt;
            session.EndedAt = ended;
            session.Hours = (ended - session.StartedAt).TotalHours;
            session.EndReason = SessionEnd.Recovered;
        }
        foreach (var sensor in sensors)
        {
            sensor.Status = SensorStatus.Recovered;
            sensor.UpdatedAt = Now;
        }
        foreach (var instrument in _existing.Values.Where(i => scrapped.Contains(i.Id) && i.RunState != RunState.Unknown))
        {
            // With its sensor gone nothing reports the instrument's state any more.
            instrument.RunState = RunState.Unknown;
        }
        await SaveAsync(cancellationToken);
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
