using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace DxyqOpenData.Api.OpenApi;

/// <summary>The summaries of the api assembly's XML documentation file, by member id (<c>T:…</c>, <c>P:…</c>, <c>F:…</c>).</summary>
internal sealed partial class XmlDocs
{
    private readonly Dictionary<string, string> _summaries;

    private XmlDocs(Dictionary<string, string> summaries) => _summaries = summaries;

    public static XmlDocs Empty { get; } = new([]);

    public static string FileOf(Assembly assembly) =>
        Path.Combine(AppContext.BaseDirectory, assembly.GetName().Name + ".xml");

    public static XmlDocs Load(Assembly assembly)
    {
        var file = FileOf(assembly);
        if (!File.Exists(file))
        {
            return Empty;
        }
        var summaries = XDocument.Load(file).Descendants("member")
            .Select(m => (Id: (string?)m.Attribute("name"), Summary: m.Element("summary")))
            .Where(m => m.Id is not null && m.Summary is not null)
            .ToDictionary(m => m.Id!, m => Flatten(m.Summary!), StringComparer.Ordinal);
        return new XmlDocs(summaries);
    }

    public string? Type(Type type) => Find("T:" + Name(type));

    public string? Property(PropertyInfo property) => Find($"P:{Name(property.DeclaringType!)}.{property.Name}");

    public string? Field(Type type, string field) => Find($"F:{Name(type)}.{field}");

    private string? Find(string id) => _summaries.TryGetValue(id, out var s) && s.Length > 0 ? s : null;

    private static string Name(Type type) => type.FullName!.Replace('+', '.');

    // <see cref="T:X.Y"/> reads as Y, <c>x</c> as `x`; whitespace collapses to single spaces.
    private static string Flatten(XElement summary)
    {
        var parts = summary.Nodes().Select(n => n switch
        {
            XText t => t.Value,
            XElement { Name.LocalName: "see" or "seealso" } e =>
                (string?)e.Attribute("langword") ?? ((string?)e.Attribute("cref"))?.Split('.', ':').Last() ?? e.Value,
            XElement { Name.LocalName: "c" or "code" } e => $"`{e.Value}`",
            XElement e => e.Value,
            _ => "",
        });
        return Whitespace().Replace(string.Concat(parts), " ").Trim();
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
