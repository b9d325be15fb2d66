using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly;

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
    /// The federation's services: options, peer health, token cache, one HttpClient per peer (circuit breaker
    /// outside a per-attempt timeout equal to the peer's timeout; no retries). This node's own part is asked through
    /// <see cref="ILocalCatalog"/>, which the host registers (scoped), so this library knows nothing of the host.
    /// </summary>
    public static IServiceCollection AddFederation(this IServiceCollection services, IConfiguration configuration,
        Func<FederatedSchema> schema)
    {
        var options = FederationOptions.From(configuration);
        var health = new PeerHealthRegistry(options);
        services.AddSingleton(options);
        services.AddSingleton(health);
        services.AddSingleton(_ => schema());
        services.AddSingleton(sp => new PeerTokenCache(sp.GetService<TimeProvider>() ?? TimeProvider.System));

        services.AddHttpClient();
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
            var local = new LocalNodeSource(options.NodeCode, sp.GetRequiredService<IServiceScopeFactory>(), options,
                sp.GetRequiredService<ILogger<LocalNodeSource>>());
            var peers = options.Peers
                .Select(p => new PeerNodeSource(p, () => factory.CreateClient(PeerClient(p.Code)), tokens, health.For(p.Code), options))
                .ToList();
            return new FederationService(options, sp.GetRequiredService<FederatedSchema>(), local, peers);
        });
        return services;
    }
}
