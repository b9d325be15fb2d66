using System.Collections.Concurrent;
using DxyqOpenData.Api.Data;
using DxyqOpenData.Tests.Infrastructure;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DxyqOpenData.Tests.Operations;

public sealed class RequestLogTests
{
    private const string HttpLogCategory = "Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware";

    [Fact]
    public async Task Each_request_is_logged_once_with_method_path_status_and_duration_but_probes_are_not()
    {
        var sink = new CapturingLoggerProvider();
        await using var node = new NodeFactory(DatabaseProvider.Sqlite, new Dictionary<string, string?>
        {
            ["Demo:Enabled"] = "false",
            [$"Logging:LogLevel:{HttpLogCategory}"] = "Information",
        });
        var client = node.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<ILoggerProvider>(sink))).CreateClient();

        await client.GetAsync("/health/live");
        await client.GetAsync("/metrics");
        await client.GetAsync("/odata/Units?$top=1");

        var entry = Assert.Single(sink.Entries, e => e.Category == HttpLogCategory);
        Assert.Equal("GET", entry.State["Method"]?.ToString());
        Assert.Equal("/odata/Units", entry.State["Path"]?.ToString());
        Assert.Equal("200", entry.State["StatusCode"]?.ToString());
        Assert.True(entry.State.ContainsKey("Duration"));
        Assert.False(entry.State.ContainsKey("QueryString"), "query strings may carry personal data: not logged");
    }

    private sealed record Entry(string Category, IReadOnlyDictionary<string, object?> State);

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<Entry> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Entries);

        public void Dispose() { }

        private sealed class Logger(string category, ConcurrentQueue<Entry> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var values = state as IEnumerable<KeyValuePair<string, object?>> ?? [];
                entries.Enqueue(new Entry(category, values.ToDictionary(kv => kv.Key, kv => kv.Value)));
            }
        }
    }
}
