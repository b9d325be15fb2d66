using DxyqOpenData.Api.Data;
using DxyqOpenData.SensorBridge.Brokers;
using Microsoft.EntityFrameworkCore;

namespace DxyqOpenData.Api.Commands;

/// <summary>
/// <c>sensors secret SENSORID</c>: gives the sensor a new MQTT secret, prints it once and stores only its hash.
/// The old secret stops working at the bridge's next sensor reload (<c>SensorBridge:SensorReloadSeconds</c>).
/// </summary>
internal static class SensorSecretCommand
{
    public static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        if (args is not ["secret", var sensorId])
        {
            await Console.Error.WriteLineAsync("usage: sensors secret SENSORID");
            return 2;
        }
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
        var secret = SensorSecrets.NewSecret();
        var updated = await db.Sensors.Where(s => s.Id == sensorId)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.SecretHash, SensorSecrets.Hash(secret)).SetProperty(x => x.UpdatedAt, DateTime.UtcNow));
        if (updated == 0)
        {
            await Console.Error.WriteLineAsync($"no sensor '{sensorId}'");
            return 1;
        }
        await Console.Out.WriteLineAsync(secret);
        await Console.Error.WriteLineAsync($"New MQTT secret for {sensorId} (user name {sensorId}); it is not stored and will not be shown again.");
        return 0;
    }
}
