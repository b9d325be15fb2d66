using DxyqOpenData.Tests.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace DxyqOpenData.Tests.Security;

/// <summary>
/// Every route names its policy explicitly (the fallback policy only catches what forgot to): a new endpoint
/// without <c>RequireAuthorization(...)</c> / <c>[Authorize(Policy = ...)]</c> fails here, by name.
/// </summary>
public sealed class EveryRouteHasAPolicyTests(SqliteNode node) : IClassFixture<SqliteNode>
{
    [Fact]
    public void Every_endpoint_names_a_policy()
    {
        _ = node.CreateClient(); // starts the host, so every data source is built
        var endpoints = node.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        Assert.NotEmpty(endpoints);

        var unnamed = endpoints
            .Where(e => !e.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => !string.IsNullOrEmpty(a.Policy)))
            .Select(e => $"{e.DisplayName} ({e.RoutePattern.RawText})")
            .ToList();

        Assert.True(unnamed.Count == 0, "Endpoints without an explicit policy:\n" + string.Join('\n', unnamed));
        Assert.Contains(endpoints, e => e.RoutePattern.RawText?.StartsWith("odata/Instruments", StringComparison.Ordinal) == true);
        Assert.Contains(endpoints, e => e.RoutePattern.RawText == "/health/ready");
    }
}
