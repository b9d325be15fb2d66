using DxyqOpenData.Api.Catalog;

namespace DxyqOpenData.Api.Security;

/// <summary>
/// A request that matches no endpoint is a 404 problem, not a 401 from the fallback policy (which exists to
/// refuse endpoints that forgot to name a policy, not addresses that do not exist).
/// </summary>
public static class UnknownRoutes
{
    public static IApplicationBuilder UseNotFoundForUnknownRoutes(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint() is null)
            {
                await Results.Problem(
                    statusCode: StatusCodes.Status404NotFound,
                    title: "Not found",
                    detail: $"No resource at {context.Request.Path}. See /swagger for the routes this node serves.",
                    type: ProblemTypes.NotFound).ExecuteAsync(context);
                return;
            }
            await next(context);
        });
}
