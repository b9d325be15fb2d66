using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace DxyqOpenData.Tests.Federation;

/// <summary>
/// A peer on a real Kestrel port that gives tokens and answers every OData query with 200 and then a body it writes
/// as it likes (drips, garbage, a cut-off document); it counts the queries it got.
/// </summary>
public sealed class MisbehavingPeer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _queries;

    private MisbehavingPeer(WebApplication app) => _app = app;

    public string BaseUrl => _app.Urls.First() + "/";
    public int Queries => Volatile.Read(ref _queries);

    public static async Task<MisbehavingPeer> StartAsync(Func<HttpResponse, CancellationToken, Task> body)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var peer = new MisbehavingPeer(app);
        app.MapPost("/connect/token", () => Results.Text("""{"access_token":"t","token_type":"Bearer","expires_in":900}""", "application/json"));
        app.MapGet("/odata/{set}", async (HttpContext http) =>
        {
            Interlocked.Increment(ref peer._queries);
            http.Response.StatusCode = 200;
            http.Response.ContentType = "application/json";
            try { await body(http.Response, http.RequestAborted); }
            catch (OperationCanceledException) { }
        });
        await app.StartAsync();
        return peer;
    }

    /// <summary>Headers and the start of a collection at once, then a space every 200 ms, for ever.</summary>
    public static async Task Drip(HttpResponse response, CancellationToken aborted)
    {
        await response.WriteAsync("""{"value":[""", aborted);
        await response.Body.FlushAsync(aborted);
        while (!aborted.IsCancellationRequested)
        {
            await Task.Delay(200, aborted);
            await response.WriteAsync(" ", aborted);
            await response.Body.FlushAsync(aborted);
        }
    }

    public static Task Garbage(HttpResponse response, CancellationToken aborted) =>
        response.WriteAsync("<html><body>502 Bad Gateway</body></html>", aborted);

    /// <summary>A document cut off in the middle: the connection closes after half of it.</summary>
    public static Task Truncated(HttpResponse response, CancellationToken aborted) =>
        response.WriteAsync("""{"value":[{"id":"3f2504e0-4f89-11d3-9a0c-0305e82c3301","na""", aborted);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
