using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;

namespace Webhook.Notify.Delivery;

/// <summary>
/// The limits of one process, in memory (the SQLite inbox, one replica): a token bucket per chat destination at its
/// documented pace, paused for the Retry-After of a 429, and a Polly circuit breaker per destination.
/// </summary>
public sealed class LocalDestinationLimits(IOptions<DeliveryResilienceOptions> options, TimeProvider time) : IDestinationLimits
{
    private readonly DeliveryResilienceOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ResiliencePipeline<DeliveryOutcome>> _breakers = new(StringComparer.Ordinal);

    public ValueTask<TimeSpan> TakeSlotAsync(string key, RateOptions? rate, CancellationToken cancellationToken)
    {
        var bucket = _buckets.GetOrAdd(key, _ => new Bucket(rate?.Burst ?? 1, time.GetUtcNow()));
        lock (bucket)
        {
            var now = time.GetUtcNow();
            if (now < bucket.PausedUntil) return ValueTask.FromResult(bucket.PausedUntil - now);
            if (rate is null) return ValueTask.FromResult(TimeSpan.Zero);
            bucket.Tokens = Math.Min(rate.Burst, bucket.Tokens + (now - bucket.Refilled).TotalSeconds * rate.PerSecond);
            bucket.Refilled = now;
            if (bucket.Tokens >= 1)
            {
                bucket.Tokens -= 1;
                return ValueTask.FromResult(TimeSpan.Zero);
            }
            return ValueTask.FromResult(TimeSpan.FromSeconds((1 - bucket.Tokens) / rate.PerSecond));
        }
    }

    public ValueTask PauseAsync(string key, RateOptions? rate, TimeSpan wait, CancellationToken cancellationToken)
    {
        var bucket = _buckets.GetOrAdd(key, _ => new Bucket(0, time.GetUtcNow()));
        lock (bucket)
        {
            var until = time.GetUtcNow() + wait;
            if (until > bucket.PausedUntil) bucket.PausedUntil = until;
            bucket.Tokens = 0;
            bucket.Refilled = until;
        }
        return ValueTask.CompletedTask;
    }

    public async Task<DeliveryOutcome> UnderBreakerAsync(string destinationId, Func<CancellationToken, Task<DeliveryOutcome>> attempt,
        CancellationToken cancellationToken)
    {
        var breaker = _breakers.GetOrAdd(destinationId, _ => Build());
        try
        {
            return await breaker.ExecuteAsync(static async (send, ct) => await send(ct), attempt, cancellationToken);
        }
        catch (BrokenCircuitException open)
        {
            return new DeliveryOutcome.Retryable(DeliveryReasons.CircuitOpen, open.RetryAfter ?? _options.BreakDuration);
        }
    }

    private ResiliencePipeline<DeliveryOutcome> Build() =>
        new ResiliencePipelineBuilder<DeliveryOutcome> { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<DeliveryOutcome>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is { } outcome && DeliveryReasons.IsUnhealthy(outcome)),
                FailureRatio = _options.FailureRatio,
                MinimumThroughput = _options.MinimumThroughput,
                SamplingDuration = _options.SamplingDuration,
                BreakDuration = _options.BreakDuration,
            })
            .Build();

    private sealed class Bucket(double tokens, DateTimeOffset refilled)
    {
        public double Tokens = tokens;
        public DateTimeOffset Refilled = refilled;
        public DateTimeOffset PausedUntil;
    }
}
