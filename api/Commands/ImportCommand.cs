using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DxyqOpenData.Api.Commands;

/// <summary>
/// <c>import FILE --kind K --server URL --client ID --secret SECRET</c>: a unit's monthly file through the node's own
/// API, as its client. Gets a token (client credentials) from <c>URL/connect/token</c>, uploads to
/// <c>/api/v1/imports</c>, shows a progress bar on standard error while it polls, then prints each rejected row and a
/// summary on standard output. Exit code 0 when every row was accepted, 1 when some were rejected or the import failed,
/// 2 on a usage, connection or upload error.
/// </summary>
public static class ImportCommand
{
    public static readonly string[] Options = ["--kind", "--server", "--client", "--secret", "--interval"];

    private const string Usage = """
        usage: import FILE --kind KIND --server URL --client CLIENT_ID --secret SECRET [--interval MILLISECONDS]
        kinds: instruments service-offerings service-records datasets sensors units (an admin client)
        """;

    public static Task<int> RunAsync(WebApplication app, string[] args) =>
        RunAsync(args, Console.Out, Console.Error, callerDirectory: AdminCommands.CallerDirectory(app.Configuration));

    /// <summary>A relative FILE is taken from <paramref name="callerDirectory"/> (default: the working directory).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, HttpMessageHandler? handler = null, string? callerDirectory = null)
    {
        try
        {
            var (given, options) = Parse(args);
            var file = Path.GetFullPath(given, callerDirectory ?? Environment.CurrentDirectory);
            var kind = Required(options, "--kind");
            var server = new Uri(Required(options, "--server").TrimEnd('/') + "/");
            var interval = TimeSpan.FromMilliseconds(int.TryParse(options.GetValueOrDefault("--interval"), out var ms) ? ms : 500);
            if (!File.Exists(file))
            {
                throw new CommandException($"no file '{file}'");
            }
            using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
            http.BaseAddress = server;
            http.Timeout = TimeSpan.FromMinutes(5);

            var scope = Imports.UnitDocumentWrite.ScopeFor(kind);
            var token = await TokenAsync(http, Required(options, "--client"), Required(options, "--secret"), scope);
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

            using var form = new MultipartFormDataContent();
            form.Add(new StringContent(kind), "kind");
            var content = new ByteArrayContent(await File.ReadAllBytesAsync(file));
            content.Headers.ContentType = new MediaTypeHeaderValue(file.EndsWith(".xlsx", StringComparison.OrdinalIgnoreCase)
                ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/csv");
            form.Add(content, "file", Path.GetFileName(file));
            using var upload = await http.PostAsync("api/v1/imports", form);
            var accepted = await ReadJsonAsync(upload);
            if (upload.StatusCode != System.Net.HttpStatusCode.Accepted)
            {
                throw new CommandException($"upload refused ({(int)upload.StatusCode}): {accepted?["detail"] ?? accepted?.ToJsonString()}");
            }
            var url = upload.Headers.Location?.ToString() ?? accepted!["url"]!.GetValue<string>();
            await stderr.WriteLineAsync($"import {accepted!["id"]} queued");

            JsonNode report;
            while (true)
            {
                using var poll = await http.GetAsync(url.TrimStart('/'));
                report = await ReadJsonAsync(poll) ?? throw new CommandException($"no report at {url}");
                if (!poll.IsSuccessStatusCode)
                {
                    throw new CommandException($"GET {url} answered {(int)poll.StatusCode}: {report["detail"]}");
                }
                var total = report["totalRows"]!.GetValue<int>();
                var processed = report["processedRows"]!.GetValue<int>();
                var status = report["status"]!.GetValue<string>();
                var done = status is "completed" or "failed";
                await stderr.WriteAsync(ProgressBar(done ? 1 : total == 0 ? 0 : (double)processed / total) + $" {status}");
                if (done)
                {
                    await stderr.WriteLineAsync();
                    break;
                }
                await Task.Delay(interval);
            }

            var rejected = report["rejected"]!.AsArray();
            foreach (var row in rejected)
            {
                var column = row!["column"]?.GetValue<string>();
                await stdout.WriteLineAsync($"row {row["row"]}{(column is null ? "" : $" [{column}]")}: {row["reason"]}");
            }
            var rows = report["totalRows"]!.GetValue<int>();
            var ok = report["accepted"]!.GetValue<int>();
            if (report["status"]!.GetValue<string>() == "failed")
            {
                await stdout.WriteLineAsync($"import {report["id"]} failed: {report["error"]}");
                return 1;
            }
            var rejectedRows = rejected.Select(r => r!["row"]!.GetValue<int>()).Distinct().Count();
            await stdout.WriteLineAsync($"import {report["id"]} completed: {rows} rows, {ok} accepted, {rejectedRows} rejected");
            return rejectedRows == 0 ? 0 : 1;
        }
        catch (CommandException e)
        {
            await stderr.WriteLineAsync($"error: {e.Message}");
            await stderr.WriteLineAsync(Usage);
            return 2;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or UriFormatException or IOException)
        {
            await stderr.WriteLineAsync($"error: {e.Message}");
            return 2;
        }
    }

    /// <summary><c>\r[#####.....] 42%</c>: redrawn in place on a terminal.</summary>
    public static string ProgressBar(double fraction, int width = 30)
    {
        fraction = Math.Clamp(fraction, 0, 1);
        var filled = (int)Math.Round(fraction * width);
        return $"\r[{new string('#', filled)}{new string('.', width - filled)}] {(int)Math.Floor(fraction * 100),3}%";
    }

    private static async Task<string> TokenAsync(HttpClient http, string clientId, string secret, string scope)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = scope }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(secret)}")));
        using var response = await http.SendAsync(request);
        var json = await ReadJsonAsync(response);
        if (!response.IsSuccessStatusCode || json?["access_token"] is null)
        {
            throw new CommandException($"no token from {new Uri(http.BaseAddress!, "connect/token")}: {json?["error"]} {json?["error_description"]}".TrimEnd());
        }
        return json["access_token"]!.GetValue<string>();
    }

    private static async Task<JsonNode?> ReadJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        try
        {
            return text.Length == 0 ? null : JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return new JsonObject { ["detail"] = text.Length > 200 ? text[..200] : text };
        }
    }

    private static (string File, Dictionary<string, string> Options) Parse(string[] args)
    {
        string? file = null;
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (Options.Contains(args[i]))
            {
                if (i + 1 >= args.Length) { throw new CommandException($"{args[i]} needs a value"); }
                options[args[i]] = args[++i];
            }
            else if (file is null && !args[i].StartsWith("--", StringComparison.Ordinal))
            {
                file = args[i];
            }
            else
            {
                throw new CommandException($"unexpected '{args[i]}'");
            }
        }
        return (file ?? throw new CommandException("FILE is required"), options);
    }

    private static string Required(Dictionary<string, string> options, string name) =>
        options.TryGetValue(name, out var value) && value.Length > 0 ? value : throw new CommandException($"{name} is required");
}
