using DxyqOpenData.Api.Catalog;
using Microsoft.OData.Edm;
using Microsoft.OpenApi;

namespace DxyqOpenData.Api.OpenApi;

/// <summary>The GET operations of one entity set (collection, by key, navigation), and the response shapes OData gives them.</summary>
internal sealed class ODataOperations(IEdmEntitySet set, EdmSchemas schemas, OpenApiDocument document)
{
    private IEdmEntityType Type => set.EntityType;

    private IEdmStructuralProperty Key => Type.Key().Single();

    private bool StringKey => Key.Type.IsString();

    public bool Protected { get; init; }

    public string CollectionSchemaName => $"{Type.Name}Collection";

    /// <summary>String keys are quoted in OData URLs (<c>Units('913300…')</c>); GUIDs are not.</summary>
    public string KeySegment => StringKey ? "('{key}')" : "({key})";

    private static readonly string Limits =
        $"Server-driven paging: at most {CatalogQueryAttribute.DefaultPageSize} entities per response; follow `@odata.nextLink` for the next page. " +
        $"Limits: `$top` ≤ {CatalogQueryAttribute.MaxTopValue}, `$expand` depth ≤ {CatalogQueryAttribute.MaxExpansion}, " +
        $"at most {CatalogQueryAttribute.MaxNodes} nodes in `$filter`; a query over a limit is answered 400.";

    public OpenApiOperation List()
    {
        var operation = new OpenApiOperation
        {
            OperationId = $"list{set.Name}",
            Summary = $"Query {set.Name}",
            Description = $"{schemas.Describe(Type)}\n\n{Limits}".Trim(),
            Tags = new HashSet<OpenApiTagReference> { new(set.Name, document) },
            Parameters = QueryOptions(collection: true),
            Responses = new OpenApiResponses
            {
                ["200"] = Json($"A page of {set.Name}.", new OpenApiSchemaReference(CollectionSchemaName, document)),
                ["400"] = Error("The query is malformed or exceeds a limit."),
            },
        };
        Secure(operation);
        return operation;
    }

    public OpenApiOperation ByKey()
    {
        var parameters = QueryOptions(collection: false);
        parameters.Insert(0, KeyParameter());
        var operation = new OpenApiOperation
        {
            OperationId = $"get{Type.Name}",
            Summary = $"Get one {Type.Name} by {Key.Name}",
            Tags = new HashSet<OpenApiTagReference> { new(set.Name, document) },
            Parameters = parameters,
            Responses = new OpenApiResponses
            {
                ["200"] = Json($"The {Type.Name}.", schemas.Ref(Type)),
                ["400"] = Error("The key or a query option is malformed."),
                ["404"] = Json(Protected ? $"No {Type.Name} with that key visible to the caller." : $"No {Type.Name} with that key.",
                    new OpenApiSchemaReference(ODataDocumentFilter.ErrorSchema, document)),
            },
        };
        Secure(operation);
        return operation;
    }

    /// <summary>
    /// <c>Set(key)/navigation</c>: a collection navigation pages and takes the query options like a set (the next link
    /// of a nested collection in <c>$expand</c> names this route); a single-valued one answers the related entity.
    /// </summary>
    public OpenApiOperation Navigation(IEdmNavigationProperty navigation, IEdmEntitySet target)
    {
        var related = navigation.ToEntityType();
        var collection = navigation.Type.IsCollection();
        var parameters = new ODataOperations(target, schemas, document).QueryOptions(collection);
        parameters.Insert(0, KeyParameter());
        var responses = new OpenApiResponses
        {
            ["200"] = collection
                ? Json($"A page of the {Type.Name}'s {navigation.Name}.", new OpenApiSchemaReference($"{related.Name}Collection", document))
                : Json($"The {Type.Name}'s {navigation.Name}.", schemas.Ref(related)),
            ["400"] = Error("The key or a query option is malformed or exceeds a limit."),
            ["404"] = Json(Protected ? $"No {Type.Name} with that key visible to the caller." : $"No {Type.Name} with that key" + (collection || !navigation.Type.IsNullable ? "." : $", or its {navigation.Name} is not published."),
                new OpenApiSchemaReference(ODataDocumentFilter.ErrorSchema, document)),
        };
        if (!collection && navigation.Type.IsNullable)
        {
            responses["204"] = new OpenApiResponse { Description = $"The {Type.Name} has no {navigation.Name}." };
        }
        var operation = new OpenApiOperation
        {
            OperationId = $"{(collection ? "list" : "get")}{Type.Name}{char.ToUpperInvariant(navigation.Name[0])}{navigation.Name[1..]}",
            Summary = collection ? $"Query a {Type.Name}'s {navigation.Name}" : $"Get a {Type.Name}'s {navigation.Name}",
            Description = collection ? Limits : null,
            Tags = new HashSet<OpenApiTagReference> { new(set.Name, document) },
            Parameters = parameters,
            Responses = responses,
        };
        Secure(operation);
        return operation;
    }

    private OpenApiParameter KeyParameter() => new()
    {
        Name = "key",
        In = ParameterLocation.Path,
        Required = true,
        Description = StringKey
            ? $"The `{Key.Name}` (the quotes around it are part of the URL)."
            : $"The `{Key.Name}`.",
        Schema = StringKey ? new OpenApiSchema { Type = JsonSchemaType.String } : new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid" },
    };

    public static OpenApiOperation Metadata(OpenApiDocument document) => new()
    {
        Security = [new OpenApiSecurityRequirement()],
        OperationId = "getODataMetadata",
        Summary = "CSDL of the OData service",
        Description = "The entity model (CSDL XML) of `/odata`: entity sets, types, keys, navigation properties and enums.",
        Tags = new HashSet<OpenApiTagReference> { new(ODataDocumentFilter.MetadataTag, document) },
        Responses = new OpenApiResponses
        {
            ["200"] = new OpenApiResponse
            {
                Description = "The CSDL document.",
                Content = new Dictionary<string, IOpenApiMediaType> { ["application/xml"] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } } },
            },
        },
    };

    public static OpenApiOperation ServiceDocument(OpenApiDocument document) => new()
    {
        Security = [new OpenApiSecurityRequirement()],
        OperationId = "getODataServiceDocument",
        Summary = "OData service document",
        Description = "Lists the entity sets of `/odata` with their URLs.",
        Tags = new HashSet<OpenApiTagReference> { new(ODataDocumentFilter.MetadataTag, document) },
        Responses = new OpenApiResponses
        {
            ["200"] = Json("The service document.", new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
                {
                    ["@odata.context"] = String(),
                    ["value"] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Array,
                        Items = new OpenApiSchema
                        {
                            Type = JsonSchemaType.Object,
                            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
                            {
                                ["name"] = String(),
                                ["kind"] = String(),
                                ["url"] = String(),
                            },
                        },
                    },
                },
            }),
        },
    };

    public OpenApiSchema CollectionSchema() => new()
    {
        Type = JsonSchemaType.Object,
        Description = $"A page of {set.Name}.",
        Required = new HashSet<string> { "value" },
        Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
        {
            ["@odata.context"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "Context URL: the `$metadata` fragment describing the payload." },
            ["@odata.count"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64", Description = "Total matching entities, with `$count=true`." },
            ["value"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = schemas.Ref(Type) },
            ["@odata.nextLink"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "URL of the next page; absent on the last page." },
        },
    };

    public static OpenApiSchema ErrorSchema()
    {
        static OpenApiSchema Text(string description) => new() { Type = JsonSchemaType.String, Description = description };
        var detail = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
            {
                ["code"] = Text("Error code."),
                ["message"] = Text("Human-readable message."),
                ["target"] = Text("The query option or property the error is about."),
            },
        };
        return new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "OData v4 JSON error body.",
            Required = new HashSet<string> { "error" },
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
            {
                ["error"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Required = new HashSet<string> { "code", "message" },
                    Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
                    {
                        ["code"] = Text("Error code; may be empty."),
                        ["message"] = Text("Human-readable message, e.g. naming the exceeded limit."),
                        ["target"] = Text("The query option or property the error is about."),
                        ["details"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = detail },
                    },
                },
            },
        };
    }

    private List<IOpenApiParameter> QueryOptions(bool collection)
    {
        var properties = string.Join(", ", Type.StructuralProperties().Select(p => $"`{p.Name}`"));
        var navigations = Type.NavigationProperties().Select(p => $"`{p.Name}`").ToList();
        var expand = navigations.Count > 0
            ? $"Navigation properties to include: {string.Join(", ", navigations)}. Nested options allowed, depth ≤ {CatalogQueryAttribute.MaxExpansion}."
            : $"{Type.Name} has no navigation properties.";
        var parameters = new List<IOpenApiParameter>();
        if (collection)
        {
            parameters.Add(Query("$filter", "Filter expression, e.g. `name eq 'x'`, `contains(name,'质谱')`, `updatedAt ge 2026-01-01T00:00:00Z`.", String()));
        }
        parameters.Add(Query("$select", $"Comma-separated properties to return: {properties}.", String()));
        parameters.Add(Query("$expand", expand, String()));
        parameters.Add(Query("$compute", "Computed properties (OData 4.01), usable in `$select`, `$filter` and `$orderby`, e.g. `$compute=year(acceptanceDate) as acceptedIn&$select=id,acceptedIn`.", String()));
        if (!collection)
        {
            return parameters;
        }
        parameters.Add(Query("$orderby", "Comma-separated properties, each optionally `asc` or `desc`, e.g. `updatedAt desc`.", String()));
        parameters.Add(Query("$top", $"Number of entities to return, at most {CatalogQueryAttribute.MaxTopValue}.",
            new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "0", Maximum = CatalogQueryAttribute.MaxTopValue.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
        parameters.Add(Query("$skip", "Number of entities to skip.", new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "0" }));
        parameters.Add(Query("$count", "`true` adds the total number of matching entities as `@odata.count`.", new OpenApiSchema { Type = JsonSchemaType.Boolean }));
        parameters.Add(Query("$apply", "Aggregation (OData Data Aggregation: `filter`, `groupby`, `aggregate`, `compute`), translated to SQL, e.g. `groupby((unitId),aggregate($count as count))`. Aggregated rows are not entities: no `odata.metadata=full` (406).", String()));
        return parameters;
    }

    private static OpenApiSchema String() => new() { Type = JsonSchemaType.String };

    private static OpenApiParameter Query(string name, string description, OpenApiSchema schema) =>
        new() { Name = name, In = ParameterLocation.Query, Description = description, Schema = schema };

    private static OpenApiResponse Json(string description, IOpenApiSchema schema) => new()
    {
        Description = description,
        Content = new Dictionary<string, IOpenApiMediaType> { ["application/json"] = new OpenApiMediaType { Schema = schema } },
    };

    private OpenApiResponse Error(string description) => Json(description, new OpenApiSchemaReference(ODataDocumentFilter.ErrorSchema, document));

    // A unit system's token (records.read, bound to its unit) or an administrator's token: either suffices.
    private void Secure(OpenApiOperation operation)
    {
        if (!Protected)
        {
            operation.Security = [new OpenApiSecurityRequirement()]; // `security: [{}]`: anonymous; an empty list is not written
            return;
        }
        operation.Responses!["401"] = new OpenApiResponse { Description = "No bearer token, or one the node does not accept." };
        operation.Responses["403"] = new OpenApiResponse { Description = "The token lacks the scope (`records.read` with a `unit_id`, or `admin`)." };
        operation.Security =
        [
            Requirement("records.read"),
            Requirement("admin"),
        ];
    }

    private OpenApiSecurityRequirement Requirement(string scope) =>
        new() { [new OpenApiSecuritySchemeReference(SwaggerSetup.OAuth2Scheme, document)] = [scope] };
}
