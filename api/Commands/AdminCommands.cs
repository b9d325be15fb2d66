using Microsoft.Extensions.Logging.Console;

namespace DxyqOpenData.Api.Commands;

/// <summary>
/// Administrator commands of the api program (<c>dotnet run --project api -- NAME [ARGS] [--host-options]</c>). They
/// run on the built application instead of the web server; those that need the database migrate it first.
/// </summary>
public static class AdminCommands
{
    private sealed record Command(Func<WebApplication, string[], Task<int>> RunAsync, string[] Options);

    private static readonly Dictionary<string, Command> Commands = new(StringComparer.Ordinal)
    {
        ["openapi"] = new(OpenApiCommand.RunAsync, []),
        ["clients"] = new((app, args) => ClientsCommand.RunAsync(app.Services, args, Console.Out, Console.Error, CallerDirectory(app.Configuration)), ClientsCommand.Options),
        ["keys"] = new((app, args) => KeysCommand.RunAsync(app.Services, args, Console.Out, Console.Error), []),
        ["sensors"] = new(SensorSecretCommand.RunAsync, []),
        ["simulate-sensors"] = new(SimulateSensorsCommand.RunAsync, SimulateSensorsCommand.Options),
        ["import"] = new(ImportCommand.RunAsync, ImportCommand.Options),
        ["calendar"] = new((app, args) => CalendarCommand.RunAsync(app.Services, args, Console.Out, Console.Error), []),
        ["migrate"] = new((app, args) => MigrateCommand.RunAsync(app.Services, args, Console.Error), []),
    };

    /// <summary>
    /// Splits the program's arguments into the command (its name, positional arguments and its own options; empty when
    /// the first argument names no command) and the host's own (<c>--urls</c>, <c>--Database:Provider</c>, …).
    /// </summary>
    public static (string[] Command, string[] Host) Split(string[] args)
    {
        // `dotnet run` puts the project's StartArguments (--CallerDirectory=…, see the csproj) before the user's.
        var lead = args.TakeWhile(a => a.StartsWith("--", StringComparison.Ordinal) && a.Contains('=', StringComparison.Ordinal)).Count();
        if (args.Length == lead || !Commands.TryGetValue(args[lead], out var definition))
        {
            return ([], args);
        }
        List<string> command = [args[lead]], host = [.. args[..lead]];
        for (var i = lead + 1; i < args.Length; i++)
        {
            var arg = args[i];
            if (definition.Options.Contains(arg))
            {
                command.Add(arg);
                if (i + 1 < args.Length)
                {
                    command.Add(args[++i]);
                }
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                host.Add(arg);
                if (!arg.Contains('=', StringComparison.Ordinal) && i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    host.Add(args[++i]);
                }
            }
            else
            {
                command.Add(arg);
            }
        }
        return ([.. command], [.. host]);
    }

    /// <summary>A command's standard output is its result (JSON, YAML): every log line goes to standard error.</summary>
    public static void Configure(WebApplicationBuilder builder, string[] command)
    {
        if (command.Length > 0)
        {
            builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        }
    }

    public static Task<int> RunAsync(WebApplication app, string[] command) => Commands[command[0]].RunAsync(app, command[1..]);

    /// <summary>
    /// The directory the administrator ran the command from. <c>dotnet run --project api</c> starts the program in
    /// <c>api/</c> (its settings and <c>data/</c> are there) and passes the caller's directory as
    /// <c>--CallerDirectory</c> (api/DxyqOpenData.Api.csproj); run otherwise, it is the working directory.
    /// </summary>
    public static string CallerDirectory(IConfiguration configuration) =>
        configuration[CallerDirectoryKey] is { Length: > 0 } caller ? caller : Environment.CurrentDirectory;

    public const string CallerDirectoryKey = "CallerDirectory";

    /// <summary>A FILE argument, relative to the caller's directory as on any command line.</summary>
    public static string ResolvePath(IConfiguration configuration, string path) => Path.GetFullPath(path, CallerDirectory(configuration));
}
