using System.Text.Json;
using DxyqOpenData.Api.Catalog;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Api.Data.Reference;
using DxyqOpenData.Api.Supervision;

namespace DxyqOpenData.Api.Commands;

/// <summary>
/// <c>calendar import FILE</c>: stores the years of a calendar file (the shape of <c>Data/Reference/calendar.json</c>)
/// in the database, replacing those years, and recomputes the deadlines that count their days. No restart needed:
/// every node reads the calendar from the database. <c>calendar list</c> prints the years held.
/// </summary>
public static class CalendarCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (services.GetRequiredService<DatabaseOptions>().MigrateOnStartup)
        {
            await DatabaseSetup.MigrateAsync(services);
            await CalendarStore.SeedAsync(services);
        }
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CatalogDbContext>();
        switch (args)
        {
            case ["import", var file]:
                IReadOnlyList<CalendarNotice> notices;
                try
                {
                    await using var stream = File.OpenRead(file);
                    notices = CalendarNotice.ReadFile(stream);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidDataException)
                {
                    await stderr.WriteLineAsync($"cannot read {file}: {e.Message}");
                    return 1;
                }
                try
                {
                    var now = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
                    var result = await CalendarStore.ImportAsync(db, notices, now, CancellationToken.None);
                    await stdout.WriteLineAsync(JsonSerializer.Serialize(result, JsonSerializerOptions.Web));
                    return 0;
                }
                catch (CalendarNoticeException e)
                {
                    foreach (var (path, message) in e.Problems)
                    {
                        await stderr.WriteLineAsync($"{file}: {path}: {message}");
                    }
                    return 1;
                }
            case ["list"]:
                var calendar = await CalendarStore.LoadAsync(db, CancellationToken.None);
                await stdout.WriteLineAsync(JsonSerializer.Serialize(calendar.Years.Order(), JsonSerializerOptions.Web));
                return 0;
            default:
                await stderr.WriteLineAsync("usage: calendar import FILE | calendar list");
                return 2;
        }
    }
}
