namespace DxyqOpenData.Schemas;

/// <summary>What <c>GET /schemas</c> lists for one schema.</summary>
/// <param name="Name">The folder name, e.g. <c>instrument</c>.</param>
/// <param name="Version">The major version: a breaking change is a new major, the old one keeps being served.</param>
/// <param name="Url">Where this node serves the file, relative to the node: <c>/schemas/instrument/v1.json</c>.</param>
/// <param name="Id">The schema's <c>$id</c>, its stable identifier across nodes.</param>
/// <param name="Title">The bilingual title, e.g. <c>大型科研仪器 Instrument</c>.</param>
public sealed record SchemaInfo(string Name, int Version, string Url, string Id, string Title);
