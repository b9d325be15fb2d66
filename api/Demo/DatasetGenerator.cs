using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Datasets;

namespace DxyqOpenData.Api.Demo;

/// <summary>科学数据: a few thousand DCAT-style datasets produced with the shared instruments.</summary>
internal sealed class DatasetGenerator(DemoWorld world)
{
    public IEnumerable<Dataset> Generate(IReadOnlyList<InstrumentPlan> plans)
    {
        var vocabulary = world.Vocabulary.Datasets;
        var random = world.Random(10);
        var sources = plans.Where(p => p.Shareable).ToList();
        if (sources.Count == 0)
        {
            yield break;
        }
        var picker = new WeightedPicker(sources.Select(p => p.Weight));
        var licences = vocabulary.Licenses.Select(l => (Id: l[0].GetString()!, Weight: l[1].GetDouble())).ToList();
        var licencePicker = new WeightedPicker(licences.Select(l => l.Weight));
        var perUnit = new Dictionary<string, int>();
        var count = world.Count(3_000);
        for (var i = 0; i < count; i++)
        {
            var plan = sources[picker.Pick(random)];
            var instrument = plan.Instrument;
            var topic = random.Pick(vocabulary.Topics);
            var onboarded = DateOnly.FromDateTime(instrument.OnboardedAt!.Value);
            var issued = onboarded.AddDays(random.Next(Math.Max(1, world.Today.DayNumber - onboarded.DayNumber)));
            var subject = random.Pick(plan.Kind.SubjectAreas);
            var licence = licences[licencePicker.Pick(random)].Id;
            var seq = perUnit[instrument.UnitId] = perUnit.GetValueOrDefault(instrument.UnitId) + 1;
            var id = random.NextGuid();
            yield return new Dataset
            {
                Id = id,
                UnitId = instrument.UnitId,
                InstrumentId = instrument.Id,
                ExternalId = $"DS{issued.Year}{seq:D5}",
                Title = Fill(random.Pick(vocabulary.Titles), subject, instrument.Name, topic[0], issued.Year),
                EnglishTitle = Fill(random.Pick(vocabulary.EnglishTitles), subject, instrument.EnglishName ?? "", topic[1], issued.Year)
                    .Replace("{kindEn}", instrument.EnglishName).Replace("{topicEn}", topic[1]),
                Description = $"使用{plan.Unit.Unit.Name}{instrument.Name}（{instrument.Manufacturer} {instrument.Model}）获得的{topic[0]}数据，依托浙江省大型科研仪器开放共享平台产生，引用时请注明平台。",
                Keywords = string.Join('；', instrument.Name, topic[0], subject),
                SubjectAreas = subject,
                License = licence,
                Access = licence.StartsWith("LicenseRef", StringComparison.Ordinal) ? DatasetAccess.Restricted
                    : licence.Contains("NC", StringComparison.Ordinal) && random.Chance(0.4) ? DatasetAccess.OnRequest : DatasetAccess.Open,
                Doi = random.Chance(0.75) ? $"{random.Pick(vocabulary.DoiPrefixes)}/{world.NodeCode.ToLowerInvariant()}dxyq.{issued.Year}.{i + 1:D5}" : null,
                LandingPage = vocabulary.LandingPageBase + id.ToString("N"),
                MediaType = random.Pick(vocabulary.MediaTypes),
                ByteSize = (long)random.LogNormal(200_000_000, 1.5),
                Issued = issued,
                UpdatedAt = DemoWorld.LocalToUtc(issued, random.Uniform(9, 18)),
            };
        }
    }

    private static string Fill(string pattern, string subject, string kind, string topic, int year) => pattern
        .Replace("{subject}", subject).Replace("{kind}", kind).Replace("{topic}", topic).Replace("{year}", year.ToString());
}
