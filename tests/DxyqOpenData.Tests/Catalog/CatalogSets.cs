using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;
using DxyqOpenData.Tests.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OData.Edm;
using Microsoft.OData.ModelBuilder;

namespace DxyqOpenData.Tests.Catalog;

/// <summary>
/// The catalog's entity sets as the EDM names them, each with its table and each property's column from EF's model, so a
/// test can draw its cases over every set and property and compute what to expect with plain SQL.
/// </summary>
public sealed record CatalogSet(string Name, IEdmEntityType Type, IEntityType Entity)
{
    public string Table => Entity.GetTableName()!;

    public IEdmStructuralProperty Key => Type.Key().Single();

    /// <summary>The rows the set serves: confidential instruments, their offerings and usage sessions are never published.</summary>
    public string Published => Table switch
    {
        "instruments" => "is_confidential = false",
        "service_offerings" or "usage_sessions" => "instrument_id IN (SELECT id FROM instruments WHERE is_confidential = false)",
        _ => "1 = 1",
    };

    public IProperty Property(IEdmProperty property) =>
        Entity.FindProperty(char.ToUpperInvariant(property.Name[0]) + property.Name[1..])
        ?? throw new InvalidOperationException($"{Name}.{property.Name} has no EF property");

    public string Column(IEdmProperty property) => Property(property).GetColumnName();

    public IEnumerable<IEdmStructuralProperty> Properties(Func<IEdmTypeReference, bool> ofType) =>
        Type.StructuralProperties().Where(p => ofType(p.Type));

    /// <summary>A key value as a URL literal.</summary>
    public string KeyLiteral(object value) => Key.Type.IsString() ? $"'{value.ToString()!.Trim()}'" : value.ToString()!;

    public static IReadOnlyList<CatalogSet> All(NodeFactory node)
    {
        using var scope = node.Services.CreateScope();
        var model = scope.ServiceProvider.GetRequiredService<CatalogDbContext>().Model;
        var edm = CatalogEdmModel.Get();
        return edm.EntityContainer.EntitySets()
            .Select(s => new CatalogSet(s.Name, s.EntityType,
                model.FindEntityType(edm.GetAnnotationValue<ClrTypeAnnotation>(s.EntityType)!.ClrType)!))
            .ToList();
    }

    /// <summary>An administrator's client: reads every set, the protected ones too.</summary>
    public static async Task<HttpClient> AdminAsync(NodeFactory node) =>
        node.WithToken(await node.CreateClient().TokenAsync(await node.AddClientAsync("admin")));
}
