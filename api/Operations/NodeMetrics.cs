using Prometheus;

namespace DxyqOpenData.Api.Operations;

/// <summary>
/// The node's own Prometheus metrics, beside the HTTP and runtime ones prometheus-net exports. Features record
/// here (a push counts its items, the bridge its readings, federation its peer calls) so that every metric has
/// one name, one help text and one set of labels. Keep label values few: kinds and outcomes, never ids.
/// </summary>
public static class NodeMetrics
{
    /// <summary>1 while the database is reachable and fully migrated (updated by /health/ready).</summary>
    public static readonly Gauge DatabaseReady = Metrics.CreateGauge(
        "dxyq_database_ready", "1 when the database is reachable and has no pending migrations, as of the last readiness check.");

    /// <summary>Migrations this build has that the database lacks (updated by /health/ready).</summary>
    public static readonly Gauge PendingMigrations = Metrics.CreateGauge(
        "dxyq_database_pending_migrations", "Migrations not yet applied to the database, as of the last readiness check.");

    /// <summary>Items received, by channel (push, import), kind (instruments, service-records, …) and outcome (written, rejected, replayed).</summary>
    public static readonly Counter ItemsIngested = Metrics.CreateCounter(
        "dxyq_items_ingested_total", "Items received through push or import, by channel, kind and outcome.",
        new CounterConfiguration { LabelNames = ["channel", "kind", "outcome"] });

    /// <summary>Sensor payloads, by outcome (accepted, duplicate, dead-letter).</summary>
    public static readonly Counter SensorReadings = Metrics.CreateCounter(
        "dxyq_sensor_readings_total", "Sensor telemetry payloads received, by outcome.",
        new CounterConfiguration { LabelNames = ["outcome"] });

    /// <summary>Calls to a federation peer, by peer node code and outcome (ok, timeout, error, circuit-open).</summary>
    public static readonly Histogram PeerRequestDuration = Metrics.CreateHistogram(
        "dxyq_federation_peer_request_duration_seconds", "Duration of calls to federation peers, by peer and outcome.",
        new HistogramConfiguration
        {
            LabelNames = ["peer", "outcome"],
            Buckets = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
        });

    /// <summary>Instruments whose onboarding or sensor deadline counted a year the calendar lacks (updated by /health/ready and each sweep).</summary>
    public static readonly Gauge ProvisionalDeadlines = Metrics.CreateGauge(
        "dxyq_provisional_deadlines", "Instruments with a deadline that counted days of a year the working-day calendar does not hold.");

    /// <summary>Constant 1, labelled with the build's version: lets a dashboard show which version runs where.</summary>
    public static readonly Gauge BuildInfo = Metrics.CreateGauge(
        "dxyq_build_info", "Always 1; the labels say which build of the node is running.",
        new GaugeConfiguration { LabelNames = ["version"] });
}
