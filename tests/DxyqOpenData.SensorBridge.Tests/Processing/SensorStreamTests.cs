using DxyqOpenData.SensorBridge.Processing;
using DxyqOpenData.SensorBridge.Readings;

namespace DxyqOpenData.SensorBridge.Tests.Processing;

/// <summary>Dedup in the reorder window of one sensor (<see cref="SensorStream"/>), on a clock the test moves.</summary>
public sealed class SensorStreamTests
{
    private static readonly DateTime Now = new(2026, 11, 30, 8, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void A_repeat_of_the_last_reading_passed_on_is_a_duplicate_however_old_the_backlog()
    {
        // A replayed backlog ten minutes old, a 2 s window: the window moves past every reading as soon as it runs.
        var stream = new SensorStream(new SensorInfo("S1", "I1", "canonical", TimeSpan.FromSeconds(60)), TimeSpan.FromSeconds(2));
        var start = Now.AddMinutes(-10);
        NormalizedReading Reading(int i) => new("S1", "I1", start.AddSeconds(30 * i), RunStateKind.Running, 100, null);
        for (var i = 0; i <= 3; i++)
        {
            Assert.Equal(OfferResult.Accepted, stream.Offer(Reading(i), Now));
        }
        stream.Advance(Now, new BatchBuilder());

        Assert.Equal(OfferResult.Duplicate, stream.Offer(Reading(3), Now));
        Assert.Equal(OfferResult.Late, stream.Offer(Reading(2), Now));
        Assert.Equal(OfferResult.Accepted, stream.Offer(Reading(4), Now));
    }
}
