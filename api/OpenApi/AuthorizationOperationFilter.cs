using DxyqOpenData.Api.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace DxyqOpenData.Api.OpenApi;

/// <summary>
/// States each ApiExplorer route's security from its authorization metadata: the open policies (and
/// <c>AllowAnonymous</c>) get <c>security: []</c>; anything else needs the OAuth 2.0 bearer and may answer 401/403.
/// </summary>
internal sealed class AuthorizationOperationFilter : IOperationFilter
{
    private static readonly string[] OpenPolicies = [Policies.PublicCatalog, Policies.Operations];

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        var open = metadata.OfType<IAllowAnonymous>().Any()
            || (metadata.OfType<IAuthorizeData>().ToList() is { Count: > 0 } authorize && authorize.All(a => OpenPolicies.Contains(a.Policy)));
        if (open)
        {
            operation.Security = [new OpenApiSecurityRequirement()]; // `security: [{}]`: anonymous; an empty list is not written
            return;
        }
        operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SwaggerSetup.OAuth2Scheme, context.Document)] = [] }];
        operation.Responses ??= new OpenApiResponses();
        operation.Responses.TryAdd("401", new OpenApiResponse { Description = "No bearer token, or one the node does not accept." });
        operation.Responses.TryAdd("403", new OpenApiResponse { Description = "The token lacks the scope or unit this route needs." });
    }
}
