using System.Net;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;

namespace DxyqOpenData.Federation;

/// <summary>
/// The Polly pipeline one exchange with a peer runs in: token, query and reading and checking the body, so a peer that
/// answers 200 and then drips or sends garbage counts against its circuit like one that answers 500. A circuit breaker
/// outside a timeout equal to the peer's <c>Timeout</c>; no retries. Built without Polly's telemetry, whose log of each
/// event carries the exception: the circuit's opening and closing are one line each here.
/// </summary>
public static class PeerPipeline
{
    public static ResiliencePipeline Create(PeerOptions peer, FederationOptions options, CircuitBreakerStateProvider state, TimeProvider clock, ILogger logger) =>
        new ResiliencePipelineBuilder { TimeProvider = clock }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = options.CircuitFailureRatio,
                MinimumThroughput = Math.Max(2, options.CircuitMinimumThroughput),
                SamplingDuration = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(30).Ticks, options.BreakDuration.Ticks * 2)),
                BreakDuration = options.BreakDuration,
                StateProvider = state,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && IsPeerFailure(e, args.Context.CancellationToken)),
                OnOpened = args =>
                {
                    logger.LogWarning("Circuit to peer {Peer} opened for {Break} after {Error}", peer.Code, args.BreakDuration, Describe(args.Outcome.Exception));
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    logger.LogInformation("Circuit to peer {Peer} closed", peer.Code);
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(peer.Timeout)
            .Build();

    /// <summary>
    /// The peer's fault: no answer in time, an answer that is not what was asked for (unreadable, too big, the wrong
    /// shape), a transient status (5xx, 408, 429), a connection that failed. Not: a refused token (the credentials are
    /// ours to fix) or another 4xx, and not the caller giving up.
    /// </summary>
    private static bool IsPeerFailure(Exception e, CancellationToken caller) => e switch
    {
        PeerUnauthorizedException => false,
        HttpRequestException { StatusCode: { } status } => (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests,
        OperationCanceledException => !caller.IsCancellationRequested,
        _ => true,
    };

    private static string Describe(Exception? e) => e switch
    {
        null => "failures",
        Polly.Timeout.TimeoutRejectedException or OperationCanceledException => "a timeout",
        _ => e.Message,
    };
}
