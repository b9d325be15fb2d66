namespace DxyqOpenData.Api.Commands;

/// <summary>
/// Administrator commands of the api program (<c>dotnet run --project api -- NAME [ARGS] [--host-options]</c>). They
/// run on the built application, before the database is touched and instead of the web server.
/// </summary>
public static class AdminCommands
{
    private static readonly Dictionary<string, Func<WebApplication, string[], Task<int>>> Commands = new(StringComparer.Ordinal)
    {
        ["openapi"] = OpenApiCommand.RunAsync,
        ["sensors"] = SensorSecretCommand.RunAsync,
    };

    /// <summary>
    /// Splits the program's arguments into the command (its name and positional arguments; empty when the first
    /// argument names no command) and the host's own (<c>--urls</c>, <c>--Database:Provider</c>, …).
    /// </summary>
    public static (string[] Command, string[] Host) Split(string[] args)
    {
        if (args.Length == 0 || !Commands.ContainsKey(args[0]))
        {
            return ([], args);
        }
        var positional = args.Skip(1).TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).Count();
        return (args[..(1 + positional)], args[(1 + positional)..]);
    }

    public static Task<int> RunAsync(WebApplication app, string[] command) => Commands[command[0]](app, command[1..]);
}
