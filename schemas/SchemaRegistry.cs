using System.Reflection;
using System.Text.Json;

namespace DxyqOpenData.Schemas;

/// <summary>
/// The shared schemas: the files under <c>schemas/{name}/v{major}.json</c>, embedded byte for byte in this assembly.
/// Each is parsed once, when the registry is built; <see cref="Default"/> is built on first use and shared.
/// </summary>
public sealed class SchemaRegistry
{
    private const string ResourcePrefix = "schemas/";

    private readonly Dictionary<(string Name, int Major), DocumentSchema> _schemas;

    private SchemaRegistry(IEnumerable<DocumentSchema> schemas)
    {
        _schemas = schemas.ToDictionary(s => (s.Info.Name, s.Info.Version));
        All = [.. _schemas.Values.Select(s => s.Info).OrderBy(i => i.Name, StringComparer.Ordinal).ThenBy(i => i.Version)];
    }

    private static readonly Lazy<SchemaRegistry> Embedded = new(LoadEmbedded);

    /// <summary>The schemas shipped in this assembly.</summary>
    public static SchemaRegistry Default => Embedded.Value;

    /// <summary>Every schema, by name then version.</summary>
    public IReadOnlyList<SchemaInfo> All { get; }

    /// <summary>The schema <paramref name="name"/> at major version <paramref name="major"/>, or null.</summary>
    public DocumentSchema? Find(string name, int major) => _schemas.GetValueOrDefault((name, major));

    /// <summary>The highest major version of <paramref name="name"/>, or null.</summary>
    public DocumentSchema? Latest(string name) =>
        _schemas.Values.Where(s => s.Info.Name == name).MaxBy(s => s.Info.Version);

    /// <summary>Shorthand for <c>Find(name, major).Validate(document)</c>; throws for an unknown schema.</summary>
    public IReadOnlyList<SchemaError> Validate(string name, int major, JsonElement document) => Get(name, major).Validate(document);

    /// <inheritdoc cref="Validate(string, int, JsonElement)"/>
    public IReadOnlyList<SchemaError> Validate(string name, int major, string json) => Get(name, major).Validate(json);

    /// <summary>Reads every <c>{name}/v{major}.json</c> below <paramref name="directory"/> (e.g. the released snapshots).</summary>
    public static SchemaRegistry FromDirectory(string directory) =>
        new(Directory.EnumerateFiles(directory, "v*.json", SearchOption.AllDirectories)
            .Select(file => DocumentSchema.Load(
                Path.GetFileName(Path.GetDirectoryName(file))!, Path.GetFileName(file), File.ReadAllBytes(file))));

    private DocumentSchema Get(string name, int major) =>
        Find(name, major) ?? throw new ArgumentException($"No schema {name}/v{major}.json.", nameof(name));

    private static SchemaRegistry LoadEmbedded()
    {
        var assembly = typeof(SchemaRegistry).Assembly;
        return new(assembly.GetManifestResourceNames()
            .Where(r => r.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            .Select(r =>
            {
                var parts = r[ResourcePrefix.Length..].Split('/');
                return DocumentSchema.Load(parts[0], parts[1], Read(assembly, r));
            }));
    }

    private static byte[] Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
