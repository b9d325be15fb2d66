using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using System.Reflection;
using Microsoft.AspNetCore.Mvc.ApplicationModels;
using Microsoft.AspNetCore.OData.Routing.Controllers;
using Microsoft.OpenApi;

namespace DxyqOpenData.Api.OpenApi;

/// <summary>
/// Swagger UI at <c>/swagger</c> and the OpenAPI document at <c>/swagger/v1/swagger.{json|yaml}</c>. The committed
/// <c>openapi.yaml</c> is this document (see docs/api.md and <c>dotnet run --project api -- openapi</c>).
/// </summary>
public static class SwaggerSetup
{
    public const string DocumentName = "v1";
    public const string DocumentVersion = "1.0.0";
    public const string YamlPath = $"/swagger/{DocumentName}/swagger.yaml";
    public const string OAuth2Scheme = "oauth2";
    public const string TokenUrl = "/connect/token";

    /// <summary>The contract's scopes, in the contract's order.</summary>
    public static readonly IReadOnlyList<(string Name, string Description)> Scopes =
    [
        ("catalog.write", "Push and import the unit's catalog (instruments, offerings, datasets, sensors)."),
        ("records.write", "Push and import the unit's service records."),
        ("records.read", "Read the unit's own service records and alerts."),
        ("federation", "Query this node as a federated peer."),
        ("vouchers", "Voucher systems: claims and reconciliations of voucher-paid records."),
        ("admin", "Administrators: every unit's records."),
    ];

    private const string Description = """
        大型科研仪器开放数据交换节点（浙江）：单位管理系统、相邻省市节点和创新券系统通过本节点交换大型科研仪器、
        共享服务、服务记录、科学数据、物联网传感器和机时数据。目录以 OData v4 在 `/odata` 提供（支持 `$filter`、
        `$select`、`$expand`、`$orderby`、`$top`、`$skip`、`$count`，部分实体集支持 `$apply`），含个人信息的服务记录
        和监管预警须凭 OAuth 2.0 令牌访问。

        The open-data interchange node of Zhejiang's large research instrument sharing platform. Unit systems,
        peer provincial nodes and innovation-voucher systems exchange instruments, service offerings, service
        records, datasets, IoT sensors and machine hours through it. The catalog is an OData v4 service at
        `/odata`; service records (personal data) and supervision alerts need an OAuth 2.0 bearer token
        (client credentials at `/connect/token`).
        """;

    public static IHostApplicationBuilder AddCatalogSwagger(this IHostApplicationBuilder builder)
    {
        // OData routes are described from the EDM model (ODataDocumentFilter); ApiExplorer would only guess at them.
        builder.Services.Configure<Microsoft.AspNetCore.Mvc.MvcOptions>(o => o.Conventions.Add(new HideODataControllers()));
        builder.Services.AddEndpointsApiExplorer();
        builder.Services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc(DocumentName, new OpenApiInfo
            {
                Title = "DxyqOpenData — 大型科研仪器开放数据交换节点",
                Version = DocumentVersion,
                Description = Description,
            });
            // Relative, so the document is the same whichever host or port serves it.
            o.AddServer(new OpenApiServer { Url = "/", Description = "This node" });
            o.AddSecurityDefinition(OAuth2Scheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.OAuth2,
                Description = "OAuth 2.0 client credentials. A unit system's client is bound to one unit (`unit_id` claim).",
                Flows = new OpenApiOAuthFlows
                {
                    ClientCredentials = new OpenApiOAuthFlow
                    {
                        TokenUrl = new Uri(TokenUrl, UriKind.Relative),
                        Scopes = Scopes.ToDictionary(s => s.Name, s => s.Description),
                    },
                },
            });
            o.SupportNonNullableReferenceTypes();
            o.OrderActionsBy(d => $"{d.RelativePath}|{d.HttpMethod}");
            var xml = XmlDocs.FileOf(typeof(SwaggerSetup).Assembly);
            if (File.Exists(xml))
            {
                o.IncludeXmlComments(xml, includeControllerXmlComments: true);
            }
            o.OperationFilter<AuthorizationOperationFilter>();
            o.OperationFilter<Push.PushOperationFilter>();
            o.OperationFilter<Imports.ImportUploadOperationFilter>();
            o.OperationFilter<Reports.ReportCsvOperationFilter>();
            o.DocumentFilter<ODataDocumentFilter>();
            o.DocumentFilter<TagDescriptionsDocumentFilter>();
            o.DocumentFilter<StableOrderDocumentFilter>();
        });
        builder.Services.Configure<Swashbuckle.AspNetCore.Swagger.SwaggerOptions>(o =>
        {
            o.OpenApiVersion = OpenApiSpecVersion.OpenApi3_0;
            o.SetCustomDocumentSerializer<Yaml11SafeSerializer>();
        });
        return builder;
    }

    /// <summary>Middleware, ahead of authorization: the document and the UI are open to anyone (policy Operations).</summary>
    public static WebApplication UseCatalogSwagger(this WebApplication app)
    {
        app.UseSwagger();
        app.UseSwaggerUI(o =>
        {
            o.RoutePrefix = "swagger";
            o.DocumentTitle = "DxyqOpenData API";
            o.SwaggerEndpoint($"{DocumentName}/swagger.json", $"DxyqOpenData {DocumentVersion}");
            o.EnableValidator(null);
            o.DisplayOperationId();
            o.EnableDeepLinking();
            o.OAuthScopeSeparator(" ");
        });
        // A newcomer's first question after `dotnet run`: where do I look?
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            foreach (var address in addresses)
            {
                app.Logger.LogInformation("Swagger UI at {SwaggerUrl}, OData catalog at {ODataUrl}", $"{address}/swagger", $"{address}/odata");
            }
        });
        return app;
    }

    private sealed class HideODataControllers : IControllerModelConvention
    {
        public void Apply(ControllerModel controller)
        {
            // Ours, and the library's own MetadataController (service document and $metadata).
            if (controller.ControllerType.IsAssignableTo(typeof(ODataController)) || controller.ControllerType.Assembly == typeof(ODataController).Assembly)
            {
                controller.ApiExplorer.IsVisible = false;
            }
        }
    }
}
