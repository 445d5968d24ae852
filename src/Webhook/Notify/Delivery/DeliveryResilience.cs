using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;

namespace Webhook.Notify.Delivery;

/// <summary>
/// One attempt against one destination, guarded per destination: a cap on posts in flight (a slow destination holds
/// at most that many workers) and a circuit breaker (a failing one is left alone for a while). It never retries and
/// waits only briefly, for a post in flight to finish (<see cref="DeliveryResilienceOptions.BusyWait"/>): whatever
/// cannot go then comes back as a retryable outcome with the wait, and the inbox, which survives restarts, is the
/// one retry loop. Nothing here logs, so no URL or token can leak through it.
/// </summary>
public sealed class DeliveryResilience(IOptions<DeliveryResilienceOptions> options, TimeProvider time)
{
    private readonly DeliveryResilienceOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, Guard> _guards = new(StringComparer.Ordinal);

    public Task<DeliveryOutcome> ExecuteAsync(INotifier notifier, Notification notification, CancellationToken cancellationToken) =>
        ExecuteAsync(notifier.Id, notifier.Kind, ct => notifier.SendAsync(notification, ct), cancellationToken);

    /// <summary>Any one attempt against a destination (e.g. a storm digest) under that destination's guard.</summary>
    public async Task<DeliveryOutcome> ExecuteAsync(string destinationId, string kind,
        Func<CancellationToken, Task<DeliveryOutcome>> attempt, CancellationToken cancellationToken)
    {
        var guard = _guards.GetOrAdd(destinationId, _ => Build(kind));
        if (guard.InFlight is { } slots && !slots.Wait(0) && !await slots.WaitAsync(_options.BusyWait, cancellationToken))
            return new DeliveryOutcome.Retryable(DeliveryReasons.Busy, _options.BusyRetryAfter);
        try
        {
            return await guard.Breaker.ExecuteAsync(static async (send, ct) => await OneAttemptAsync(send, ct), attempt, cancellationToken);
        }
        catch (BrokenCircuitException open)
        {
            // Nothing was sent; the inbox tries again once the break is over, without counting an attempt.
            return new DeliveryOutcome.Retryable(DeliveryReasons.CircuitOpen, open.RetryAfter ?? _options.BreakDuration);
        }
        finally
        {
            guard.InFlight?.Release();
        }
    }

    /// <summary>Exceptions become outcomes here, inside the breaker, so it judges outcomes only.</summary>
    private static async Task<DeliveryOutcome> OneAttemptAsync(Func<CancellationToken, Task<DeliveryOutcome>> send, CancellationToken ct)
    {
        try
        {
            return await send(ct);
        }
        catch (DestinationPacedException paced)
        {
            return new DeliveryOutcome.Retryable(DeliveryReasons.RateLimited, paced.Wait);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            return HttpOutcome.FromException(ex);
        }
    }

    private Guard Build(string kind)
    {
        var breaker = new ResiliencePipelineBuilder<DeliveryOutcome> { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<DeliveryOutcome>
            {
                // A destination is unhealthy when it fails (5xx, timeouts, refused connections). A 429 only asks us to
                // slow down (the pacer does), a permanent answer is about one message, and "not sent" tells nothing.
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is DeliveryOutcome.Retryable r
                    && !DeliveryReasons.WasNotSent(r) && !DeliveryReasons.IsThrottled(r)),
                FailureRatio = _options.FailureRatio,
                MinimumThroughput = _options.MinimumThroughput,
                SamplingDuration = _options.SamplingDuration,
                BreakDuration = _options.BreakDuration,
            })
            .Build();
        var inFlight = _options.Rates.GetValueOrDefault(kind)?.MaxInFlight;
        return new Guard(breaker, inFlight is > 0 ? new SemaphoreSlim(inFlight.Value, inFlight.Value) : null);
    }

    private sealed record Guard(ResiliencePipeline<DeliveryOutcome> Breaker, SemaphoreSlim? InFlight);
}
