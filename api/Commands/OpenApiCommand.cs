using System.Text;
using DxyqOpenData.Api.OpenApi;

namespace DxyqOpenData.Api.Commands;

/// <summary>
/// <c>openapi [FILE]</c>: writes the served OpenAPI YAML to FILE (relative to the caller's directory; default
/// <c>openapi.yaml</c> at the repo root; <c>-</c> for stdout).
/// The document goes through the same Swagger middleware that serves <c>/swagger/v1/swagger.yaml</c>, on an
/// in-memory request, so the file is byte-for-byte what the node serves.
/// </summary>
internal static class OpenApiCommand
{
    public static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        if (args.Length > 1)
        {
            await Console.Error.WriteLineAsync("usage: openapi [FILE]   (default: openapi.yaml at the repo root; a relative FILE is from the current directory; - for stdout)");
            return 2;
        }
        // Minimal-API routes (app.MapX) reach ApiExplorer only when the host wires the app's endpoint sources into
        // routing, which it does on start; the command never starts the host, so it wires them itself.
        app.UseEndpoints(_ => { });
        var yaml = await RenderAsync(app.Services);
        if (args is ["-"])
        {
            await Console.Out.WriteAsync(yaml);
            return 0;
        }
        var caller = AdminCommands.CallerDirectory(app.Configuration);
        var file = args.Length == 1 ? Path.GetFullPath(args[0], caller) : Path.Combine(RepoRoot(caller), "openapi.yaml");
        await File.WriteAllTextAsync(file, yaml, new UTF8Encoding(false));
        await Console.Error.WriteLineAsync($"Wrote {Path.GetFullPath(file)}");
        return 0;
    }

    /// <summary>The repo root (the folder holding DxyqOpenData.sln) at or above <paramref name="from"/>, else <paramref name="from"/>.</summary>
    private static string RepoRoot(string from)
    {
        for (var dir = new DirectoryInfo(from); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DxyqOpenData.sln")))
            {
                return dir.FullName;
            }
        }
        return from;
    }

    public static async Task<string> RenderAsync(IServiceProvider services)
    {
        var pipeline = new ApplicationBuilder(services).UseSwagger().Build();
        await using var scope = services.CreateAsyncScope();
        var body = new MemoryStream();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Method = HttpMethods.Get;
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("localhost");
        context.Request.Path = SwaggerSetup.YamlPath;
        context.Response.Body = body;
        await pipeline(context);
        if (context.Response.StatusCode != StatusCodes.Status200OK)
        {
            throw new InvalidOperationException($"{SwaggerSetup.YamlPath} answered {context.Response.StatusCode}.");
        }
        return Encoding.UTF8.GetString(body.ToArray());
    }
}
