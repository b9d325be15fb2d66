using DxyqOpenData.Api.Push;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Datasets;

internal sealed class DatasetPushHandler(PushBatch batch) : PushHandler<DatasetDocument>(batch)
{
    private Dictionary<string, Guid> _instruments = [];
    private Dictionary<string, Dataset> _existing = [];

    protected override string KeyPath => "/externalId";

    protected override async Task CheckRulesAsync(CancellationToken cancellationToken)
    {
        _instruments = await InstrumentIdsAsync(Valid.Select(v => v.Doc.InstrumentInnerId), cancellationToken);
        foreach (var (i, doc) in Valid.ToList())
        {
            if (doc.InstrumentInnerId is { } innerId && !_instruments.ContainsKey(innerId))
            {
                UnknownInstrument(i, innerId);
            }
        }
        var keys = Valid.Select(v => v.Doc.ExternalId).ToList();
        _existing = keys.Count == 0 ? [] : await Db.Datasets.AsTracking()
            .Where(x => x.UnitId == Unit && EF.Parameter(keys).Contains(x.ExternalId))
            .ToDictionaryAsync(x => x.ExternalId, StringComparer.Ordinal, cancellationToken);
    }

    public override async Task<(int Created, int Updated)> WriteAsync(CancellationToken cancellationToken)
    {
        var created = new List<Dataset>();
        var updated = 0;
        foreach (var (_, doc) in Valid)
        {
            if (!_existing.TryGetValue(doc.ExternalId, out var row))
            {
                row = new Dataset { Id = Guid.NewGuid(), UnitId = Unit, ExternalId = doc.ExternalId, Title = doc.Title, License = doc.License };
                created.Add(row);
            }
            else
            {
                updated++;
            }
            row.InstrumentId = doc.InstrumentInnerId is { } innerId ? _instruments[innerId] : null;
            row.Title = doc.Title;
            row.EnglishTitle = doc.EnglishTitle;
            row.Description = doc.Description;
            row.Keywords = doc.Keywords;
            row.SubjectAreas = doc.SubjectAreas;
            row.License = doc.License;
            row.Access = Wire<DatasetAccess>(doc.Access);
            row.Doi = doc.Doi;
            row.LandingPage = doc.LandingPage;
            row.MediaType = doc.MediaType;
            row.ByteSize = doc.ByteSize;
            row.Issued = doc.Issued;
            row.UpdatedAt = Now;
        }
        await InsertAsync(created, cancellationToken);
        await SaveAsync(cancellationToken);
        return (created.Count, updated);
    }
}
