using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Instruments;
using DxyqOpenData.Api.Sensors;
using DxyqOpenData.Api.ServiceOfferings;

namespace DxyqOpenData.Api.Demo;

/// <summary>
/// What happened to each instrument after onboarding: how busy it is or how long idle, its sensor (about 11,000 of
/// them), its service information and offerings, and its run state now. Some instruments break each rule on purpose.
/// </summary>
internal sealed class InstrumentLifecycle(DemoWorld world)
{
    private static readonly DateOnly SensorRollout = new(2022, 3, 1);

    public void PlanActivity(IReadOnlyList<InstrumentPlan> plans)
    {
        var random = world.Random(4);
        var supervised = 0;
        foreach (var plan in plans)
        {
            plan.Weight = random.LogNormal(0.72, 0.8);
            var instrument = plan.Instrument;
            if (instrument.Status == InstrumentStatus.Scrapped)
            {
                plan.LastActiveAt = instrument.ScrappedOn!.Value.AddDays(-random.Next(5, 60)).ToDateTime(new TimeOnly(9, 0), DateTimeKind.Utc);
                continue;
            }
            if (!plan.Supervised)
            {
                continue;
            }
            var onboardedDaysAgo = (world.Now - instrument.OnboardedAt!.Value).TotalDays;
            // The first long-onboarded instruments break the idle rules whatever the dice say, so every scale shows them.
            var activity = onboardedDaysAgo < 200 ? Activity.Active : (supervised++) switch
            {
                0 => Activity.Idle1Month,
                1 => Activity.Idle3Months,
                2 => Activity.Idle6Months,
                _ => random.NextDouble() switch { < 0.05 => Activity.Idle1Month, < 0.08 => Activity.Idle3Months, < 0.10 => Activity.Idle6Months, _ => Activity.Active },
            };
            var idleDays = activity switch
            {
                Activity.Idle1Month => random.Next(32, 88),
                Activity.Idle3Months => random.Next(93, 178),
                Activity.Idle6Months => random.Next(186, (int)Math.Clamp(onboardedDaysAgo - 2, 187, 540)),
                _ => 0,
            };
            var lastActive = activity == Activity.Active
                ? world.Now.AddMinutes(-Math.Pow(random.NextDouble(), 2) * 6 * 1440)
                : world.Now.AddDays(-idleDays).AddMinutes(-random.Next(1440));
            if (lastActive <= instrument.OnboardedAt.Value)
            {
                lastActive = instrument.OnboardedAt.Value.AddHours(2);
            }
            plan.Activity = activity;
            plan.LastActiveAt = lastActive;
            if (activity == Activity.Idle6Months && random.Chance(0.5))
            {
                instrument.Status = InstrumentStatus.Idle;
            }
        }
    }

    /// <summary>Sensors on most supervised instruments, installed within 30 working days (or at the 2022 roll-out); a few recovered from scrapped ones.</summary>
    public List<Sensor> PlanSensors(IReadOnlyList<InstrumentPlan> plans)
    {
        var random = world.Random(5);
        var vendors = world.Vocabulary.Sensors.Vendors;
        var candidates = plans.Where(p => p.Supervised).ToList();
        var share = Math.Min(0.97, world.Count(11_000) / (double)Math.Max(1, candidates.Count));
        var sensors = new List<Sensor>();
        var skipped = 0;
        foreach (var plan in plans)
        {
            var instrument = plan.Instrument;
            if (plan.Supervised)
            {
                // The first two go without a sensor past the deadline (rule 2), whatever the dice say.
                if (skipped < 2 && instrument.SensorDueDate < world.Today) { skipped++; continue; }
                if (!random.Chance(share)) { continue; }
                var onboarded = DateOnly.FromDateTime(instrument.OnboardedAt!.Value);
                var day = world.Calendar.AddWorkingDays(onboarded, random.Next(3, 29)).Date;
                if (day < SensorRollout)
                {
                    day = SensorRollout.AddDays(random.Next(0, 420));
                }
                if (day >= world.Today) { continue; }
                var sensor = NewSensor(random, vendors, sensors.Count + 1, plan, DemoWorld.LocalToUtc(day, random.Uniform(9, 17)));
                instrument.SensorId = sensor.Id;
                instrument.SensorInstalledAt = sensor.InstalledAt;
                plan.Sensor = sensor;
                sensors.Add(sensor);
            }
            else if (instrument.Status == InstrumentStatus.Scrapped && instrument.ScrappedOn > SensorRollout && random.Chance(0.7))
            {
                // 报废 instruments give their sensor back (rule 2): kept as a recovered, unlinked device.
                var installed = DemoWorld.LocalToUtc(SensorRollout.AddDays(random.Next(0, 200)), 10);
                var sensor = NewSensor(random, vendors, sensors.Count + 1, plan, installed);
                sensor.InstrumentId = null;
                sensor.Status = SensorStatus.Recovered;
                sensor.LastSeenAt = instrument.ScrappedOn.Value.ToDateTime(new TimeOnly(2, 0), DateTimeKind.Utc);
                sensors.Add(sensor);
            }
        }
        return sensors;
    }

    private Sensor NewSensor(DemoRandom random, IReadOnlyList<SensorVendor> vendors, int number, InstrumentPlan plan, DateTime installed)
    {
        var vendor = random.Pick(vendors);
        var offline = random.Chance(0.03);
        return new Sensor
        {
            Id = $"{world.NodeCode}-S-{number:D6}",
            UnitId = plan.Unit.Unit.Id,
            InstrumentId = plan.Instrument.Id,
            Format = vendor.Format,
            Vendor = vendor.Name,
            Model = random.Pick(vendor.Models),
            InstalledAt = installed,
            CommissionedAt = installed.AddHours(random.Uniform(1, 72)),
            HeartbeatSeconds = random.Pick([60, 60, 120, 180, 300]),
            Status = SensorStatus.Active,
            LastSeenAt = offline ? world.Now.AddMinutes(-random.Next(1440, 20 * 1440)) : world.Now.AddSeconds(-random.Next(5, 60)),
            UpdatedAt = installed.AddDays(1),
        };
    }

    /// <summary>Service mode, content, process and fee (rule 2: within 3 months of onboarding); the offerings follow.</summary>
    public void PlanServiceInfo(IReadOnlyList<InstrumentPlan> plans)
    {
        var random = world.Random(6);
        var missing = 0;
        foreach (var plan in plans.Where(p => p.Shareable))
        {
            var instrument = plan.Instrument;
            var onboarded = instrument.OnboardedAt!.Value;
            DateTime? completed;
            if (instrument.ServiceInfoDueDate >= world.Today)
            {
                completed = random.Chance(0.5) ? onboarded.AddDays(random.Uniform(0.5, Math.Max(1, (world.Now - onboarded).TotalDays))) : null;
            }
            else if (missing < 2 || random.Chance(0.05))
            {
                missing++;
                completed = null;
            }
            else
            {
                completed = random.Chance(0.95)
                    ? onboarded.AddDays(random.Uniform(2, 85))
                    : instrument.ServiceInfoDueDate!.Value.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).AddDays(random.Uniform(1, 120));
            }
            if (completed is null || completed >= world.Now)
            {
                continue;
            }
            instrument.ServiceInfoCompletedAt = completed;
            AddOfferings(random, plan, completed.Value);
        }
    }

    private void AddOfferings(DemoRandom random, InstrumentPlan plan, DateTime completed)
    {
        var instrument = plan.Instrument;
        var services = plan.Kind.Services.OrderBy(_ => random.Next(1000)).Take(random.Next(1, Math.Min(3, plan.Kind.Services.Count) + 1)).ToList();
        foreach (var service in services)
        {
            var fee = Math.Round(random.Uniform(service.MinFeeCny, service.MaxFeeCny) / 10) * 10;
            plan.Offerings.Add(new ServiceOffering
            {
                Id = random.NextGuid(),
                UnitId = instrument.UnitId,
                InstrumentId = instrument.Id,
                ExternalId = $"{instrument.InnerId}-S{plan.Offerings.Count + 1}",
                Name = service.Name,
                Kind = Enum.Parse<ServiceKind>(service.Kind, true),
                Description = $"{instrument.Name}（{instrument.Manufacturer} {instrument.Model}）{service.Name}，{instrument.MainFunctions}",
                Process = world.Vocabulary.Instruments.ServiceProcess,
                FeeCny = (decimal)fee,
                FeeUnit = Enum.Parse<FeeUnit>(service.FeeUnit, true),
                Bookable = random.Chance(0.85),
                UpdatedAt = completed,
            });
        }
        instrument.ServiceContent = string.Join('；', plan.Offerings.Select(o => o.Name));
        instrument.FeeStandard = string.Join('；', plan.Offerings.Select(o => $"{o.Name} {o.FeeCny:0}元/{FeeUnitName(o.FeeUnit)}"));
        instrument.ServiceRequirements = random.Pick(world.Vocabulary.Instruments.ServiceRequirements);
        instrument.ServiceUrl = $"{plan.Unit.Unit.Website}/instruments/{instrument.InnerId}";
    }

    private static string FeeUnitName(FeeUnit unit) => unit switch
    {
        FeeUnit.Hour => "小时", FeeUnit.Sample => "样", FeeUnit.Session => "次", _ => "天",
    };

    /// <summary>Run state now: some running, idle ones off, those without a sensor unknown.</summary>
    public void Finish(IReadOnlyList<InstrumentPlan> plans)
    {
        var random = world.Random(7);
        foreach (var plan in plans)
        {
            var instrument = plan.Instrument;
            if (plan.Sensor is not null)
            {
                plan.Running = plan.Activity == Activity.Active && instrument.Status == InstrumentStatus.Normal && random.Chance(0.12);
                if (plan.Running)
                {
                    plan.LastActiveAt = world.Now;
                    // Running now means reporting now: its open session starts after the sensor's last message otherwise,
                    // and the bridge would have to close it before it began.
                    if (plan.Sensor.LastSeenAt < world.Now.AddMinutes(-1)) plan.Sensor.LastSeenAt = world.Now.AddSeconds(-30);
                }
                instrument.RunState = plan.Running ? RunState.Running : plan.Activity == Activity.Active && random.Chance(0.4) ? RunState.Standby : RunState.Off;
                instrument.LastSeenAt = plan.LastActiveAt;
            }
            DateTime?[] changes = [instrument.OnboardedAt, instrument.SensorInstalledAt, instrument.ServiceInfoCompletedAt];
            instrument.UpdatedAt = changes.Max() ?? instrument.AcceptanceDate.ToDateTime(new TimeOnly(10, 0), DateTimeKind.Utc);
        }
    }
}
