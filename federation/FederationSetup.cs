using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace DxyqOpenData.Federation;

public static class FederationSetup
{
    public static string PeerClient(string code) => $"federation:peer:{code}";

    /// <summary>
    /// The harvester's client for a peer: its own deadline (<see cref="HarvestOptions.Timeout"/>, a feed page is bigger
    /// than a query page) and no share in the live queries' circuit breaker.
    /// </summary>
    public static string HarvestClient(string code) => $"federation:harvest:{code}";

    /// <summary>
    /// The federation's services: peer health, token cache, one HttpClient per peer and one resilience pipeline per
    /// peer around each whole exchange (<see cref="PeerPipeline"/>). This node's own part is asked through
    /// <see cref="ILocalCatalog"/>, which the host registers (scoped), so this library knows nothing of the host. The host
    /// also registers the validated <see cref="FederationOptions"/> and <see cref="HarvestOptions"/> (its settings);
    /// <paramref name="federation"/> and <paramref name="harvest"/> are their values bound now, for the peers' clients.
    /// </summary>
    public static IServiceCollection AddFederation(this IServiceCollection services, FederationOptions federation, HarvestOptions harvest,
        Func<FederatedSchema> schema)
    {
        services.AddSingleton(sp => new PeerHealthRegistry(sp.GetRequiredService<FederationOptions>()));
        services.AddSingleton(_ => schema());
        services.AddSingleton(sp => new PeerTokenCache(sp.GetService<TimeProvider>() ?? TimeProvider.System));

        services.AddHttpClient();
        foreach (var peer in federation.Peers)
        {
            services.AddHttpClient(HarvestClient(peer.Code), c => c.Timeout = harvest.Timeout);
            // No resilience handler: the exchange's pipeline (PeerPipeline) is around the body's reading too.
            services.AddHttpClient(PeerClient(peer.Code), c => c.Timeout = Timeout.InfiniteTimeSpan);
        }

        services.TryAddSingleton<IHarvestLeases, IHarvestLeases.Unshared>();
        services.AddSingleton<Harvester>();
        services.AddHostedService(sp => sp.GetRequiredService<Harvester>());

        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<FederationOptions>();
            var health = sp.GetRequiredService<PeerHealthRegistry>();
            var factory = sp.GetRequiredService<IHttpClientFactory>();
            var tokens = sp.GetRequiredService<PeerTokenCache>();
            var clock = sp.GetService<TimeProvider>() ?? TimeProvider.System;
            var logs = sp.GetRequiredService<ILoggerFactory>();
            var local = new LocalNodeSource(options.NodeCode, sp.GetRequiredService<IServiceScopeFactory>(), options,
                logs.CreateLogger<LocalNodeSource>());
            var peers = options.Peers
                .Select(p => new PeerNodeSource(p, () => factory.CreateClient(PeerClient(p.Code)), tokens, health.For(p.Code), options,
                    PeerPipeline.Create(p, options, health.For(p.Code).Circuit, clock, logs.CreateLogger($"DxyqOpenData.Federation.Peer.{p.Code}"))))
                .ToList();
            return new FederationService(options, sp.GetRequiredService<FederatedSchema>(), local, peers);
        });
        return services;
    }
}
