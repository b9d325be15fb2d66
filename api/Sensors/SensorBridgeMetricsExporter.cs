using System.Diagnostics.Metrics;
using DxyqOpenData.SensorBridge;
using Prometheus;

namespace DxyqOpenData.Api.Sensors;

/// <summary>
/// Exports the bridge's counters (meter <c>DxyqOpenData.SensorBridge</c>) on /metrics as Prometheus counters:
/// <c>dxyq.sensor_bridge.dead_letters{reason}</c> becomes <c>dxyq_sensor_bridge_dead_letters_total{reason}</c>, and so on.
/// prometheus-net's own meter adapter would name them after the meter, type them as gauges and drop them after a
/// quiet spell; this one listener per process keeps one name, one type and the running total.
/// </summary>
internal static class SensorBridgeMetricsExporter
{
    private static readonly Lazy<MeterListener> Listener = new(Start);
    private static readonly Dictionary<string, Counter> Counters = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();

    public static void EnsureStarted() => _ = Listener.Value;

    /// <summary>The Prometheus name of a bridge instrument.</summary>
    public static string PrometheusName(string instrument) => instrument.Replace('.', '_') + "_total";

    private static MeterListener Start()
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == BridgeMetrics.MeterName && instrument is Counter<long>) l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>(OnMeasurement);
        listener.Start();
        return listener;
    }

    private static void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        string? reason = null;
        foreach (var tag in tags)
        {
            if (tag.Key == "reason") reason = tag.Value?.ToString();
        }
        var counter = CounterFor(instrument, withReason: reason is not null);
        if (reason is not null) counter.WithLabels(reason).Inc(value);
        else counter.Inc(value);
    }

    private static Counter CounterFor(Instrument instrument, bool withReason)
    {
        var name = PrometheusName(instrument.Name);
        lock (Gate)
        {
            if (!Counters.TryGetValue(name, out var counter))
            {
                counter = Metrics.CreateCounter(name, instrument.Description ?? instrument.Name,
                    new CounterConfiguration { LabelNames = withReason ? ["reason"] : [] });
                Counters[name] = counter;
            }
            return counter;
        }
    }
}
