using DxyqOpenData.SensorBridge.DeadLetters;
using DxyqOpenData.SensorBridge.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DxyqOpenData.SensorBridge.Tests.Infrastructure;

/// <summary>A generic host running only the bridge, as the node would, with an in-memory sink.</summary>
public sealed class BridgeHost : IAsyncDisposable
{
    private readonly IHost _host;

    private BridgeHost(IHost host) => _host = host;

    public DeadLetterStore DeadLetters => _host.Services.GetRequiredService<DeadLetterStore>();

    public BridgeStatus Status => _host.Services.GetRequiredService<BridgeStatus>();

    public static async Task<BridgeHost> StartAsync(ISensorSink sink, IDictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SensorBridge:BatchDelayMilliseconds"] = "50",
            ["SensorBridge:ReorderWindowSeconds"] = "0",
            ["SensorBridge:SessionSettleMilliseconds"] = "100",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.Services.AddSensorBridge(builder.Configuration);
        builder.Services.AddSingleton(sink);
        var host = builder.Build();
        await host.StartAsync();
        await host.Services.GetRequiredService<BridgeStatus>().WhenStarted.WaitAsync(TimeSpan.FromSeconds(20));
        return new BridgeHost(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
