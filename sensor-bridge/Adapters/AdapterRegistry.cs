using DxyqOpenData.SensorBridge.Vendors;

namespace DxyqOpenData.SensorBridge.Adapters;

/// <summary>Every adapter by format name: the JSON vendors from the vendor file, plus the text and binary ones in code.</summary>
public sealed class AdapterRegistry
{
    private readonly Dictionary<string, IPayloadAdapter> _byFormat;

    public AdapterRegistry(IEnumerable<IPayloadAdapter> adapters)
    {
        _byFormat = adapters.ToDictionary(a => a.Format, StringComparer.OrdinalIgnoreCase);
    }

    public static AdapterRegistry CreateDefault(string? vendorsFile = null) => new(
        VendorCatalog.Load(vendorsFile).Select(v => (IPayloadAdapter)new JsonVendorAdapter(v))
            .Append(new CsvLineAdapter())
            .Append(new PmBinaryAdapter()));

    public IReadOnlyCollection<IPayloadAdapter> All => _byFormat.Values;

    public IPayloadAdapter? Find(string format) => _byFormat.GetValueOrDefault(format);
}
