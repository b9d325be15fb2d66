using DxyqOpenData.SensorBridge.Adapters;
using DxyqOpenData.SensorBridge.DeadLetters;
using DxyqOpenData.SensorBridge.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DxyqOpenData.SensorBridge;

public static class SensorBridgeServiceCollectionExtensions
{
    /// <summary>
    /// Adds the sensor bridge from the <c>SensorBridge</c> section unless <c>SensorBridge:Enabled</c> is false, and
    /// returns the section's values. The host registers its <see cref="ISensorSink"/> (scoped is fine). The dead-letter
    /// store and the sensor directory are registered either way, so the host can show them.
    /// </summary>
    public static SensorBridgeOptions AddSensorBridge(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(SensorBridgeOptions.Section);
        services.AddOptions<SensorBridgeOptions>().Bind(section).ValidateDataAnnotations().ValidateOnStart();
        // Whether the bridge runs decides what is registered, so it is read now.
        var settings = section.Get<SensorBridgeOptions>() ?? new SensorBridgeOptions();

        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton(sp => new BridgeMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton(sp => new DeadLetterStore(sp.GetRequiredService<IOptions<SensorBridgeOptions>>().Value.DeadLetterCapacity));
        services.TryAddSingleton<SensorDirectory>();
        services.TryAddSingleton<BridgeStatus>();
        // A host whose bridges share a store registers its own lease first (TryAdd: that one stays).
        services.TryAddSingleton<ISessionLease, SoleBridgeLease>();
        services.TryAddSingleton(sp => AdapterRegistry.CreateDefault(sp.GetRequiredService<IOptions<SensorBridgeOptions>>().Value.VendorsFile));
        if (settings.Enabled) services.AddHostedService<SensorBridgeService>();
        return settings;
    }
}
