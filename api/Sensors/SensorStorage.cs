using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Instruments;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DxyqOpenData.Api.Sensors;

/// <summary>One normalized reading as the bridge passed it on (<c>sensor_readings</c>); purged after <c>SensorBridge:ReadingRetentionDays</c>.</summary>
public sealed class SensorReading
{
    public long Id { get; set; }
    public required string SensorId { get; set; }
    public Guid? InstrumentId { get; set; }
    public DateTime Ts { get; set; }
    public RunState State { get; set; }
    public double? PowerW { get; set; }
    public long? Seq { get; set; }
}

/// <summary>
/// Machine hours and readings per instrument and day (<c>instrument_daily_usage</c>), for the utilization rates. The
/// day is the calendar day in China Standard Time (UTC+08:00); a session's hours count on the days it covers.
/// </summary>
public sealed class InstrumentDailyUsage
{
    public Guid InstrumentId { get; set; }
    public DateOnly Day { get; set; }
    public double RunningHours { get; set; }
    public long Readings { get; set; }
}

/// <summary>A message the bridge could not use, as received (<c>sensor_dead_letters</c>); the newest <c>SensorBridge:DeadLetterCapacity</c> are kept.</summary>
public sealed class SensorDeadLetter
{
    public long Id { get; set; }
    public required string Topic { get; set; }
    public required byte[] Payload { get; set; }
    public required string Reason { get; set; }
    public string? Detail { get; set; }
    public DateTime ReceivedAt { get; set; }
}

internal sealed class SensorReadingEntityTypeConfiguration : IEntityTypeConfiguration<SensorReading>
{
    public void Configure(EntityTypeBuilder<SensorReading> reading)
    {
        reading.HasKey(r => r.Id);
        reading.Property(r => r.Id).ValueGeneratedOnAdd();
        reading.Property(r => r.SensorId).HasMaxLength(64);
        // One index, led by the time: readings arrive in about time order, so the table (by id) and the index both grow
        // at their ends and a batch dirties only the last pages. An index led by the sensor (there was one, on
        // (sensor_id, ts)) puts every reading of a batch on another page, all over a B-tree that outgrows the page
        // cache: the cost per reading grew with the table. The purge deletes by time; nothing reads by sensor.
        // Unique: a reading is its sensor, time and seq, so a batch stored again after a crash adds only the readings
        // not there yet (docs/sensors.md). A missing seq counts as a value (PostgreSQL: NULLS NOT DISTINCT; SQL Server
        // treats NULLs as equal when the index has no filter; SQLite's insert checks it, see SensorSink).
        reading.HasIndex(r => new { r.Ts, r.SensorId, r.Seq }).IsUnique().AreNullsDistinct(false).HasFilter(null);
    }
}

internal sealed class InstrumentDailyUsageEntityTypeConfiguration : IEntityTypeConfiguration<InstrumentDailyUsage>
{
    public void Configure(EntityTypeBuilder<InstrumentDailyUsage> usage)
    {
        usage.ToTable("instrument_daily_usage");
        usage.HasKey(u => new { u.InstrumentId, u.Day });
        usage.HasIndex(u => u.Day);
    }
}

internal sealed class SensorDeadLetterEntityTypeConfiguration : IEntityTypeConfiguration<SensorDeadLetter>
{
    public void Configure(EntityTypeBuilder<SensorDeadLetter> letter)
    {
        letter.HasKey(d => d.Id);
        letter.Property(d => d.Id).ValueGeneratedOnAdd();
        letter.Property(d => d.Topic).HasMaxLength(512);
        letter.Property(d => d.Reason).HasMaxLength(32);
        letter.Property(d => d.Detail).HasMaxLength(1000);
        letter.HasIndex(d => d.ReceivedAt);
    }
}
