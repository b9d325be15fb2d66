using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OData.Routing.Controllers;
using Microsoft.OData.Edm;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace DxyqOpenData.Api.OpenApi;

/// <summary>
/// Describes <c>/odata</c> from the EDM model: per entity set a collection, a by-key and a GET per navigation property with the query options and
/// limits of <see cref="CatalogQueryAttribute"/>, plus <c>$metadata</c>. Swashbuckle cannot see OData routes itself.
/// </summary>
internal sealed class ODataDocumentFilter : IDocumentFilter
{
    public const string Prefix = "/odata";
    public const string ErrorSchema = "ODataError";
    public const string MetadataTag = "OData service";

    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        var model = CatalogEdmModel.Get();
        var schemas = new EdmSchemas(model, XmlDocs.Load(typeof(ODataDocumentFilter).Assembly), document);
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
        document.Tags ??= new HashSet<OpenApiTag>();
        document.Paths ??= [];

        schemas.AddTo(document.Components.Schemas);
        document.Components.Schemas[ErrorSchema] = ODataOperations.ErrorSchema();

        document.Tags.Add(new OpenApiTag { Name = MetadataTag, Description = "The service document and its CSDL (OData v4)." });
        document.Paths[Prefix] = Path(HttpMethod.Get, ODataOperations.ServiceDocument(document));
        document.Paths[$"{Prefix}/$metadata"] = Path(HttpMethod.Get, ODataOperations.Metadata(document));

        var protectedSets = ProtectedSets();
        foreach (var set in model.EntityContainer.EntitySets())
        {
            var type = set.EntityType;
            var operations = new ODataOperations(set, schemas, document)
            {
                Protected = protectedSets.Contains(set.Name),
            };
            document.Tags.Add(new OpenApiTag { Name = set.Name, Description = schemas.Describe(type) });
            document.Components.Schemas[operations.CollectionSchemaName] = operations.CollectionSchema();
            document.Paths[$"{Prefix}/{set.Name}"] = Path(HttpMethod.Get, operations.List());
            document.Paths[$"{Prefix}/{set.Name}{operations.KeySegment}"] = Path(HttpMethod.Get, operations.ByKey());
            foreach (var navigation in type.NavigationProperties())
            {
                var target = (IEdmEntitySet)set.FindNavigationTarget(navigation);
                document.Paths[$"{Prefix}/{set.Name}{operations.KeySegment}/{navigation.Name}"] = Path(HttpMethod.Get, operations.Navigation(navigation, target));
            }
        }
    }

    private static OpenApiPathItem Path(HttpMethod method, OpenApiOperation operation) =>
        new() { Operations = new Dictionary<HttpMethod, OpenApiOperation> { [method] = operation } };

    /// <summary>Sets whose controller asks for more than the public policies: they need a bearer token.</summary>
    private static HashSet<string> ProtectedSets()
    {
        string[] open = [Policies.PublicCatalog, Policies.Operations];
        return typeof(ODataDocumentFilter).Assembly.GetTypes()
            .Where(t => t.IsAssignableTo(typeof(ODataController)) && t.Name.EndsWith("Controller", StringComparison.Ordinal))
            .Where(t => t.GetCustomAttributes(typeof(AuthorizeAttribute), inherit: true).Cast<AuthorizeAttribute>()
                .Any(a => a.Policy is null || !open.Contains(a.Policy)))
            .Select(t => t.Name[..^"Controller".Length])
            .ToHashSet(StringComparer.Ordinal);
    }
}
