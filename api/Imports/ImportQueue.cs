using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace DxyqOpenData.Api.Imports;

/// <summary>
/// The bounded queue of import ids between the upload endpoint (and the scan for unfinished imports) and
/// <see cref="ImportProcessor"/>. An id already waiting in it is not queued twice: the scan finds a queued import again
/// every time until it is taken up.
/// </summary>
public sealed class ImportQueue(ImportOptions options)
{
    private readonly Channel<Guid> _channel = Channel.CreateBounded<Guid>(new BoundedChannelOptions(Math.Max(1, options.QueueCapacity))
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });

    private readonly ConcurrentDictionary<Guid, byte> _waiting = new();

    public async ValueTask EnqueueAsync(Guid id, CancellationToken cancellationToken = default)
    {
        if (!_waiting.TryAdd(id, 0))
        {
            return;
        }
        try
        {
            await _channel.Writer.WriteAsync(id, cancellationToken);
        }
        catch
        {
            _waiting.TryRemove(id, out _);
            throw;
        }
    }

    public async IAsyncEnumerable<Guid> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var id in _channel.Reader.ReadAllAsync(cancellationToken))
        {
            _waiting.TryRemove(id, out _);
            yield return id;
        }
    }
}
