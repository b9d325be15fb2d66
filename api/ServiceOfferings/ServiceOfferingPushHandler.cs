using DxyqOpenData.Api.Push;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.ServiceOfferings;

internal sealed class ServiceOfferingPushHandler(PushBatch batch) : PushHandler<ServiceOfferingDocument>(batch)
{
    private Dictionary<string, Guid> _instruments = [];
    private Dictionary<string, ServiceOffering> _existing = [];

    protected override string KeyPath => "/externalId";

    protected override async Task CheckRulesAsync(CancellationToken cancellationToken)
    {
        _instruments = await InstrumentIdsAsync(Valid.Select(v => v.Doc.InstrumentInnerId), cancellationToken);
        foreach (var (i, doc) in Valid.ToList())
        {
            if (!_instruments.ContainsKey(doc.InstrumentInnerId))
            {
                UnknownInstrument(i, doc.InstrumentInnerId);
            }
        }
        var keys = Valid.Select(v => v.Doc.ExternalId).ToList();
        _existing = keys.Count == 0 ? [] : await OwnOfferings.AsTracking()
            .Where(x => x.UnitId == Unit && EF.Parameter(keys).Contains(x.ExternalId))
            .ToDictionaryAsync(x => x.ExternalId, StringComparer.Ordinal, cancellationToken);
    }

    public override async Task<(int Created, int Updated)> WriteAsync(CancellationToken cancellationToken)
    {
        var created = new List<ServiceOffering>();
        var updated = 0;
        foreach (var (_, doc) in Valid)
        {
            if (!_existing.TryGetValue(doc.ExternalId, out var row))
            {
                row = new ServiceOffering { Id = Guid.NewGuid(), UnitId = Unit, ExternalId = doc.ExternalId, Name = doc.Name };
                created.Add(row);
            }
            else
            {
                updated++;
            }
            row.InstrumentId = _instruments[doc.InstrumentInnerId];
            row.Name = doc.Name;
            row.Kind = Wire<ServiceKind>(doc.Kind);
            row.Description = doc.Description;
            row.Process = doc.Process;
            row.FeeCny = doc.FeeCny;
            row.FeeUnit = Wire<FeeUnit>(doc.FeeUnit);
            row.Bookable = doc.Bookable ?? false;
            row.UpdatedAt = Now;
        }
        await InsertAsync(created, cancellationToken);
        await SaveAsync(cancellationToken);
        return (created.Count, updated);
    }
}
