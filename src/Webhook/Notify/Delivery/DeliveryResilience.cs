using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Retry;

namespace Webhook.Notify.Delivery;

/// <summary>
/// The one resilience pipeline per destination (Polly): retry honouring Retry-After (and, when configured, jittered
/// exponential retry of every retryable outcome), a circuit breaker, and a token-bucket rate limiter at the chat's
/// documented pace. Senders make one
/// attempt; no HTTP handler retries a POST. Nothing here logs, so no URL or token can leak through it.
/// </summary>
public sealed class DeliveryResilience(IOptions<DeliveryResilienceOptions> options, TimeProvider time)
{
    private readonly DeliveryResilienceOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, ResiliencePipeline<DeliveryOutcome>> _pipelines = new(StringComparer.Ordinal);

    public Task<DeliveryOutcome> ExecuteAsync(INotifier notifier, Notification notification, CancellationToken cancellationToken) =>
        ExecuteAsync(notifier.Id, notifier.Kind, ct => notifier.SendAsync(notification, ct), cancellationToken);

    /// <summary>Any one attempt against a destination (e.g. a storm digest) under that destination's pipeline.</summary>
    public async Task<DeliveryOutcome> ExecuteAsync(string destinationId, string kind,
        Func<CancellationToken, Task<DeliveryOutcome>> attempt, CancellationToken cancellationToken)
    {
        var pipeline = _pipelines.GetOrAdd(destinationId, _ => Build(kind));
        try
        {
            return await pipeline.ExecuteAsync(static async (send, ct) => await send(ct), attempt, cancellationToken);
        }
        catch (BrokenCircuitException open)
        {
            // Nothing was sent; the inbox tries again once the break is over.
            return new DeliveryOutcome.Retryable("circuit open", open.RetryAfter ?? _options.BreakDuration);
        }
        catch (RateLimiterRejectedException limited)
        {
            return new DeliveryOutcome.Retryable("rate limited locally", limited.RetryAfter);
        }
    }

    private ResiliencePipeline<DeliveryOutcome> Build(string kind)
    {
        var builder = new ResiliencePipelineBuilder<DeliveryOutcome> { TimeProvider = time };
        if (_options.MaxRetryAttempts > 0)
            builder.AddRetry(new RetryStrategyOptions<DeliveryOutcome>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is DeliveryOutcome.Retryable r
                    && (r.RetryAfter is { } after ? after <= _options.MaxInProcessRetryAfter : !_options.RetryOnlyThrottled)),
                MaxRetryAttempts = _options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.BaseDelay,
                MaxDelay = _options.MaxDelay,
                // The server's Retry-After wins over our own backoff (429 from Slack and Teams carry it).
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Result is DeliveryOutcome.Retryable { RetryAfter: { } after } ? after : (TimeSpan?)null),
            });
        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<DeliveryOutcome>
        {
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is DeliveryOutcome.Retryable || args.Outcome.Exception is not null),
            FailureRatio = _options.FailureRatio,
            MinimumThroughput = _options.MinimumThroughput,
            SamplingDuration = _options.SamplingDuration,
            BreakDuration = _options.BreakDuration,
        });
        if (_options.Rates.TryGetValue(kind, out var rate))
            builder.AddRateLimiter(new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = rate.Burst,
                TokensPerPeriod = Math.Max(1, (int)Math.Round(rate.PerSecond < 1 ? 1 : rate.PerSecond)),
                ReplenishmentPeriod = rate.PerSecond < 1 ? TimeSpan.FromSeconds(1 / rate.PerSecond) : TimeSpan.FromSeconds(1),
                QueueLimit = 10_000,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            }));
        return builder.Build();
    }
}
