using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DxyqOpenData.Api.Data.Leases;

public static class LeaseSetup
{
    /// <summary>Registers <see cref="Leases"/> (scoped, on the request's or job's DbContext); safe to call from every feature that uses them.</summary>
    public static IServiceCollection AddLeases(this IServiceCollection services)
    {
        services.TryAddSingleton<LeaseHolder>();
        services.TryAddScoped<Leases>();
        return services;
    }
}
