using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;

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
    /// The federation's services: options, peer health, token cache, one HttpClient per peer (circuit breaker
    /// outside a per-attempt timeout equal to the peer's timeout; no retries), and the local client, whose primary
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
            var state = health.For(peer.Code).Circuit;
            services.AddHttpClient(PeerClient(peer.Code), c => c.Timeout = Timeout.InfiniteTimeSpan)
                .AddResilienceHandler("federation-peer", builder =>
                {
                    builder.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
                    {
                        FailureRatio = options.CircuitFailureRatio,
                        MinimumThroughput = Math.Max(2, options.CircuitMinimumThroughput),
                        SamplingDuration = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(30).Ticks, options.BreakDuration.Ticks * 2)),
                        BreakDuration = options.BreakDuration,
                        StateProvider = state,
                        // The call's own deadline (the peer's timeout over token, query and body) cancelling a hanging
                        // request is a failure of the peer too, not only the attempt timeout.
                        ShouldHandle = args => ValueTask.FromResult(
                            HttpClientResiliencePredicates.IsTransient(args.Outcome) || args.Outcome.Exception is OperationCanceledException),
                    });
                    builder.AddTimeout(peer.Timeout);
                });
        }

        services.AddSingleton(harvest);
        services.AddSingleton<Harvester>();
        services.AddHostedService(sp => sp.GetRequiredService<Harvester>());

        services.AddSingleton(sp =>
        {
            var factory = sp.GetRequiredService<IHttpClientFactory>();
            var tokens = sp.GetRequiredService<PeerTokenCache>();
            var local = new LocalNodeSource(options.NodeCode, () => factory.CreateClient(LocalClient), options);
            var peers = options.Peers
                .Select(p => new PeerNodeSource(p, () => factory.CreateClient(PeerClient(p.Code)), tokens, health.For(p.Code), options))
                .ToList();
            var replicas = new ReplicaUnionSource(() => factory.CreateClient(LocalClient), options);
            return new FederationService(options, sp.GetRequiredService<FederatedSchema>(), local, peers, replicas);
        });
        return services;
    }
}
