using System.Text.Json;
using System.Text.Json.Serialization;
using DxyqOpenData.SensorBridge.Readings;

namespace DxyqOpenData.SensorBridge.Vendors;

/// <summary>One JSON-family vendor format as described in <c>Vendors/vendors.json</c>.</summary>
public sealed record VendorFormat(
    string Format, string? Description, TimestampField Timestamp, StateField State, PowerField? Power, SeqField? Seq);

public enum TimestampKind
{
    /// <summary>A string with an explicit offset or Z; a time without one is refused as ambiguous.</summary>
    Iso8601,
    EpochMilliseconds,
    EpochSeconds,
}

public sealed record TimestampField(string Path, TimestampKind Kind);

/// <summary>Maps the vendor's state value (a string, or a number by its JSON text) to off|standby|running.</summary>
public sealed record StateField(string Path, IReadOnlyDictionary<string, RunStateKind> Map);

/// <summary>Either <see cref="Path"/> with a <see cref="Unit"/> (W or kW), or volts × amps × power factor.</summary>
public sealed record PowerField(
    string? Path, string? Unit, string? VoltagePath, string? CurrentPath, string? PowerFactorPath, double? PowerFactor);

public sealed record SeqField(string Path);

/// <summary>Loads the vendor file: the one embedded in this assembly, or another one the host names.</summary>
public static class VendorCatalog
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private sealed record VendorFile(IReadOnlyList<VendorFormat> Vendors);

    public static IReadOnlyList<VendorFormat> Load(string? path = null)
    {
        using var stream = path is null
            ? typeof(VendorCatalog).Assembly.GetManifestResourceStream("DxyqOpenData.SensorBridge.Vendors.vendors.json")
              ?? throw new InvalidOperationException("vendors.json is not embedded")
            : File.OpenRead(path);
        var file = JsonSerializer.Deserialize<VendorFile>(stream, Json)
                   ?? throw new InvalidOperationException("vendors file is empty");
        foreach (var vendor in file.Vendors) Validate(vendor);
        return file.Vendors;
    }

    private static void Validate(VendorFormat v)
    {
        if (string.IsNullOrWhiteSpace(v.Format)) throw new InvalidOperationException("a vendor has no format name");
        if (v.Timestamp?.Path is null || v.State?.Path is null || v.State.Map is null)
            throw new InvalidOperationException($"vendor '{v.Format}' needs timestamp.path, state.path and state.map");
        if (v.Power is { } p && p.Path is null && (p.VoltagePath is null || p.CurrentPath is null))
            throw new InvalidOperationException($"vendor '{v.Format}': power needs a path, or voltagePath and currentPath");
        if (v.Power?.Unit is { } unit && unit is not ("W" or "kW"))
            throw new InvalidOperationException($"vendor '{v.Format}': power unit '{unit}' is not W or kW");
    }
}
