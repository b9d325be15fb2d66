namespace DxyqOpenData.Schemas;

/// <summary>The names of the shared schemas: the folder under <c>schemas/</c> and the segment of <c>/schemas/{name}/v{major}.json</c>.</summary>
public static class SchemaNames
{
    public const string Instrument = "instrument";
    public const string ServiceOffering = "service-offering";
    public const string ServiceRecord = "service-record";
    public const string Dataset = "dataset";
    public const string Sensor = "sensor";
    public const string SensorReading = "sensor-reading";
    public const string VoucherLedgerLine = "voucher-ledger-line";
    public const string Unit = "unit";

    /// <summary>The schema a push or import of <c>/api/v1/push/{kind}</c> validates against, or null for an unknown kind.</summary>
    public static string? ForPushKind(string kind) => kind switch
    {
        "instruments" => Instrument,
        "service-offerings" => ServiceOffering,
        "service-records" => ServiceRecord,
        "datasets" => Dataset,
        "sensors" => Sensor,
        "units" => Unit,
        _ => null,
    };
}
