using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace DxyqOpenData.Tests.Infrastructure;

/// <summary>
/// The SQL text of every command EF Core executes in this process while it is alive (nodes run in the test process),
/// through EF's diagnostic events. Other tests run in parallel: look for the command a test's own query gives.
/// </summary>
public sealed class SqlCapture : IDisposable, IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>
{
    private readonly ConcurrentQueue<string> _commands = new();
    private readonly List<IDisposable> _subscriptions = [];
    private readonly IDisposable _all;

    private SqlCapture() => _all = DiagnosticListener.AllListeners.Subscribe(this);

    /// <summary>
    /// Subscribes, then waits out EF's logging cache (<c>LoggingCacheTime</c>, one second by default): a context that
    /// found no subscriber for an event goes on skipping it that long.
    /// </summary>
    public static async Task<SqlCapture> StartAsync()
    {
        var capture = new SqlCapture();
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        return capture;
    }

    public IReadOnlyCollection<string> Commands => _commands.ToArray();

    public void OnNext(DiagnosticListener listener)
    {
        if (listener.Name == DbLoggerCategory.Name)
        {
            lock (_subscriptions)
            {
                _subscriptions.Add(listener.Subscribe(this));
            }
        }
    }

    public void OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key == RelationalEventId.CommandExecuted.Name && value.Value is CommandExecutedEventData executed)
        {
            _commands.Enqueue(executed.Command.CommandText);
        }
    }

    public void OnCompleted()
    {
    }

    public void OnError(Exception error)
    {
    }

    public void Dispose()
    {
        _all.Dispose();
        lock (_subscriptions)
        {
            _subscriptions.ForEach(s => s.Dispose());
        }
    }
}
