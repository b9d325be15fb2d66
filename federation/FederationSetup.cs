using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DxyqOpenData.Federation;

public static class FederationSetup
{
    public const string LocalClient = "federation:local";
    public static string PeerClient(string code) => $"federation:peer:{code}";

    /// <summary>
    /// The harvester's client for a peer: its own deadline (<see cref="HarvestOptions.Timeout"/>, a feed page is bigger
    /// than a query page) and no share in the live queries' circuit breaker.
    /// </summary>
    public static string HarvestClient(string code) => $"federation:harvest:{code}";

    /// <summary>
    /// The federation's services: options, peer health, token cache, one HttpClient per peer and one resilience
    /// pipeline per peer around each whole exchange (<see cref="PeerPipeline"/>), and the local client, whose primary
    /// handler the host supplies (<paramref name="configureLocal"/>) so this library knows nothing of the host.
    /// </summary>
    public static IServiceCollection AddFederation(this IServiceCollection services, IConfiguration configuration,
        Func<FederatedSchema> schema, Action<IHttpClientBuilder> configureLocal)
    {
        var options = FederationOptions.From(configuration);
        var health = new PeerHealthRegistry(options);
        services.AddSingleton(options);
        services.AddSingleton(health);
        services.AddSingleton(_ => schema());
        services.AddSingleton(sp => new PeerTokenCache(sp.GetService<TimeProvider>() ?? TimeProvider.System));

        configureLocal(services.AddHttpClient(LocalClient, c =>
        {
            c.BaseAddress = new Uri("http://localhost/");
            c.Timeout = Timeout.InfiniteTimeSpan;
        }));
        var harvest = HarvestOptions.From(configuration);
        foreach (var peer in options.Peers)
        {
            services.AddHttpClient(HarvestClient(peer.Code), c => c.Timeout = harvest.Timeout);
            // No resilience handler: the exchange's pipeline (PeerPipeline) is around the body's reading too.
            services.AddHttpClient(PeerClient(peer.Code), c => c.Timeout = Timeout.InfiniteTimeSpan);
        }

        services.AddSingleton(harvest);
        services.AddSingleton<Harvester>();
        services.AddHostedService(sp => sp.GetRequiredService<Harvester>());

        services.AddSingleton(sp =>
        {
            var factory = sp.GetRequiredService<IHttpClientFactory>();
            var tokens = sp.GetRequiredService<PeerTokenCache>();
            var clock = sp.GetService<TimeProvider>() ?? TimeProvider.System;
            var logs = sp.GetRequiredService<ILoggerFactory>();
            var local = new LocalNodeSource(options.NodeCode, () => factory.CreateClient(LocalClient), options);
            var peers = options.Peers
                .Select(p => new PeerNodeSource(p, () => factory.CreateClient(PeerClient(p.Code)), tokens, health.For(p.Code), options,
                    PeerPipeline.Create(p, options, health.For(p.Code).Circuit, clock, logs.CreateLogger($"DxyqOpenData.Federation.Peer.{p.Code}"))))
                .ToList();
            var replicas = new ReplicaUnionSource(() => factory.CreateClient(LocalClient), options);
            return new FederationService(options, sp.GetRequiredService<FederatedSchema>(), local, peers, replicas);
        });
        return services;
    }
}
