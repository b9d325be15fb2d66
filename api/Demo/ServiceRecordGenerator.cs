using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.ServiceOfferings;
using DxyqOpenData.Api.ServiceRecords;
using DxyqOpenData.Api.Units;

namespace DxyqOpenData.Api.Demo;

/// <summary>
/// 服务记录: a year of services up to "now" (about 300,000 at full scale), streamed instrument by instrument.
/// Each instrument's records come from its own random stream, so they never depend on the order rows are consumed.
/// </summary>
internal sealed class ServiceRecordGenerator(DemoWorld world, IReadOnlyList<InstrumentPlan> plans, IReadOnlyList<Organisation> organisations)
{
    private readonly List<Organisation> _mountain = organisations.Where(o => world.Regions.IsMountainCounty(o.RegionCode)).ToList();
    private readonly List<Organisation> _elsewhere = organisations.Where(o => !world.Regions.IsMountainCounty(o.RegionCode)).ToList();
    private readonly HashSet<string> _voucherNos = new(StringComparer.Ordinal);
    private RecordVocabulary Vocabulary => world.Vocabulary.Records;

    public IEnumerable<ServiceRecord> Generate()
    {
        var windows = plans.Select(Window).ToArray();
        var totalWeight = plans.Select((p, i) => windows[i] is { } w ? p.Weight * (w.End - w.Start).TotalDays : 0).Sum();
        var target = world.Count(300_000);
        foreach (var plan in plans)
        {
            if (windows[plan.Index] is not { } window)
            {
                continue;
            }
            var random = world.Random(8, plan.Index);
            // The flow's evidence (booking, payment, rating times) has its own stream: adding it left the records as they were.
            var evidence = world.Random(12, plan.Index);
            // So is the contract-project flag (rewards, rule 10).
            var contract = world.Random(13, plan.Index);
            var count = Math.Max(1, random.StochasticRound(target * plan.Weight * (window.End - window.Start).TotalDays / totalWeight));
            for (var k = 0; k < count; k++)
            {
                // The first record ends when the instrument last ran, so records alone tell how long it has been idle.
                var record = Record(random, plan, window, k, endsAtWindowEnd: k == 0);
                AddEvidence(evidence, record);
                record.RewardedAsContract = record.IsExternal && contract.Chance(Vocabulary.ContractRewardedShareOfExternalRecords);
                yield return record;
            }
        }
    }

    /// <summary>From a year ago (or onboarding) to the last time it ran; none for confidential or never-onboarded instruments.</summary>
    private (DateTime Start, DateTime End)? Window(InstrumentPlan plan)
    {
        var instrument = plan.Instrument;
        if (instrument.OnboardedAt is not { } onboarded || instrument.IsConfidential || plan.LastActiveAt is not { } end)
        {
            return null;
        }
        var start = new[] { onboarded, world.Now.AddDays(-365) }.Max();
        return end > start.AddHours(12) ? (start, end) : null;
    }

    private ServiceRecord Record(DemoRandom random, InstrumentPlan plan, (DateTime Start, DateTime End) window, int k, bool endsAtWindowEnd)
    {
        var instrument = plan.Instrument;
        var offering = plan.Offerings.Count > 0 ? random.Pick(plan.Offerings) : null;
        var feeUnit = offering?.FeeUnit ?? FeeUnit.Hour;
        var rate = offering?.FeeCny ?? (decimal)plan.Kind.Services[0].MinFeeCny;
        var (hours, samples, quantity) = Amount(random, feeUnit);
        var started = endsAtWindowEnd ? window.End.AddHours(-hours) : Start(random, window, hours);
        var external = offering is not null && random.Chance(0.55);
        var user = external ? ExternalUser(random, plan.Unit.Unit.Id) : Own(plan);
        var fee = decimal.Round(rate * quantity, 2);
        var payment = !external ? PaymentMethod.Transfer
            : user.IsEnterprise && random.Chance(Vocabulary.VoucherShareOfEnterpriseRecords) ? PaymentMethod.Voucher
            : random.Chance(0.75) ? PaymentMethod.Transfer : PaymentMethod.Cash;
        var booked = payment == PaymentMethod.Voucher ? random.Chance(0.9) : random.Chance(0.7);
        int? rating = booked && random.Chance(0.75) ? random.NextDouble() switch { < 0.6 => 5, < 0.88 => 4, < 0.97 => 3, < 0.99 => 2, _ => 1 } : null;
        var ended = started.AddHours(hours);
        return new ServiceRecord
        {
            Id = random.NextGuid(),
            UnitId = instrument.UnitId,
            InstrumentId = instrument.Id,
            ServiceOfferingId = offering?.Id,
            ExternalId = $"{instrument.InnerId}-R{k + 1:D5}",
            StartedAt = started,
            EndedAt = ended,
            Hours = hours,
            Samples = samples,
            Content = random.Pick(Vocabulary.Contents)
                .Replace("{service}", offering?.Name ?? instrument.Name + "使用")
                .Replace("{kind}", instrument.Name)
                .Replace("{n}", (samples ?? 1).ToString()),
            Subject = random.Pick(plan.Kind.SubjectAreas),
            UserName = world.PersonName(random),
            UserOrganization = user.Name,
            UserCreditCode = user.CreditCode,
            UserRegionCode = user.RegionCode,
            IsExternal = external,
            IsStatutory = !external && random.Chance(0.05),
            FeeCny = fee,
            PaymentMethod = payment,
            VoucherNo = payment == PaymentMethod.Voucher ? UniqueVoucherNo(started.Year, random.Digits(8)) : null,
            VoucherAmountCny = payment == PaymentMethod.Voucher ? Math.Min(fee, decimal.Round(fee * (decimal)random.Uniform(0.5, 1.0), 2)) : null,
            BookedOnPlatform = booked,
            Rating = rating,
            Feedback = rating is not null && random.Chance(0.3) ? random.Pick(Vocabulary.Feedback) : null,
            UpdatedAt = new[] { ended.AddHours(random.Uniform(1, 72)), world.Now }.Min(),
        };
    }

    /// <summary>A voucher number is used once across the node (docs/vouchers.md): a drawn number already taken is counted up.</summary>
    private string UniqueVoucherNo(int year, string digits)
    {
        for (var n = long.Parse(digits); ; n = (n + 1) % 100_000_000)
        {
            var number = $"CQ{year}{n:D8}";
            if (_voucherNos.Add(number))
            {
                return number;
            }
        }
    }

    /// <summary>
    /// The on-platform flow's evidence (rule 12): booked some hours to two weeks before, paid after use (a few voucher
    /// payments before it: prepaid, which seamless redemption does not accept), rated after use; nothing after "now".
    /// </summary>
    private void AddEvidence(DemoRandom random, ServiceRecord record)
    {
        if (record.BookedOnPlatform)
        {
            record.BookedAt = record.StartedAt.AddHours(-random.Uniform(2, 14 * 24));
            record.BookingRef = $"BK{record.StartedAt:yyyyMMdd}{random.Digits(7)}";
        }
        if (random.Chance(record.BookedOnPlatform ? 0.97 : 0.5))
        {
            var paidAt = random.Chance(record.PaymentMethod == PaymentMethod.Voucher ? 0.04 : 0.1)
                ? record.StartedAt.AddHours(-random.Uniform(1, 48))
                : record.EndedAt.AddHours(random.Uniform(0.2, 72));
            if (paidAt <= world.Now)
            {
                record.PaidAt = paidAt;
                record.PaidAmountCny = record.FeeCny;
                record.PaymentRef = $"PAY{paidAt:yyyyMMdd}{random.Digits(8)}";
            }
        }
        if (record.Rating is not null)
        {
            record.RatedAt = new[] { record.EndedAt.AddHours(random.Uniform(1, 120)), world.Now }.Min();
        }
    }

    /// <summary>Hours of use, samples, and the quantity the fee unit charges for (fee = quantity × rate).</summary>
    private static (double Hours, int? Samples, decimal Quantity) Amount(DemoRandom random, FeeUnit unit)
    {
        switch (unit)
        {
            case FeeUnit.Sample:
                var samples = Math.Clamp((int)random.LogNormal(4, 0.8), 1, 40);
                return (Math.Max(0.5, Math.Round(samples * random.Uniform(0.2, 0.8) * 4) / 4), samples, samples);
            case FeeUnit.Session:
                return (Math.Round(random.Uniform(1, 4) * 2) / 2, null, 1);
            case FeeUnit.Day:
                var days = random.Next(1, 4);
                return (days * 8.0, null, days);
            default:
                var hours = Math.Round(random.Uniform(0.5, 6) * 2) / 2;
                return (hours, null, (decimal)hours);
        }
    }

    /// <summary>Working hours in China, mostly on weekdays.</summary>
    private static DateTime Start(DemoRandom random, (DateTime Start, DateTime End) window, double hours)
    {
        var first = DateOnly.FromDateTime(window.Start);
        var span = Math.Max(1, DateOnly.FromDateTime(window.End).DayNumber - first.DayNumber);
        var day = first.AddDays(random.Next(span));
        for (var retry = 0; retry < 3 && day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday && random.Chance(0.75); retry++)
        {
            day = first.AddDays(random.Next(span));
        }
        var start = DemoWorld.LocalToUtc(day, Math.Round(random.Uniform(8.5, 17) * 4) / 4);
        if (start < window.Start)
        {
            start = window.Start;
        }
        return start.AddHours(hours) > window.End ? window.End.AddHours(-hours) : start;
    }

    private static Organisation Own(InstrumentPlan plan) =>
        new(plan.Unit.Unit.Name, plan.Unit.Unit.Id, plan.Unit.Unit.RegionCode, plan.Unit.Unit.Type == UnitType.Enterprise, plan.Unit.Unit.Id);

    private Organisation ExternalUser(DemoRandom random, string ownUnitId)
    {
        // Mountain-county users in the configured share, not in proportion to how many organisations sit there.
        var pool = _mountain.Count > 0 && (_elsewhere.Count == 0 || random.Chance(Vocabulary.MountainCountyUserShare)) ? _mountain : _elsewhere;
        for (var attempt = 0; ; attempt++)
        {
            var candidate = random.Pick(pool);
            if (candidate.UnitId != ownUnitId || attempt > 5)
            {
                return candidate;
            }
        }
    }
}
