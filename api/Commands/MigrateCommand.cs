using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Demo;
using DxyqOpenData.Api.Federation;
using DxyqOpenData.Api.Supervision;

namespace DxyqOpenData.Api.Commands;

/// <summary>
/// <c>migrate</c>: what a node does at start with <c>Database:MigrateOnStartup</c> on, as one step of its own, for
/// several nodes on one database (deploy/, docs/operations.md): applies the migrations, seeds the working-day
/// calendar, creates the federation link key and, with <c>Demo:Enabled</c>, loads the demo data into an empty database. Run it once before the nodes,
/// which then start with <c>Database:MigrateOnStartup=false</c>.
/// </summary>
public static class MigrateCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter stderr)
    {
        if (args.Length > 0)
        {
            await stderr.WriteLineAsync("usage: migrate   (applies the migrations, seeds the calendar, loads the demo data if Demo:Enabled and the database is empty)");
            return 2;
        }
        await DatabaseSetup.MigrateAsync(services);
        await SupervisionSetup.StartAsync(services);
        // Made here, once, so that nodes starting together all read the same key instead of racing to create it.
        await FederationLinkKey.LoadAsync(services);
        await DemoData.LoadIfEmptyAsync(services);
        return 0;
    }
}
