using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Webhook.Notify.Delivery;

/// <summary>
/// One attempt against one destination, guarded per destination: a cap on posts in flight in this process (a slow
/// destination holds at most that many of its workers) and a circuit breaker (a failing one is left alone for a
/// while), whose state <see cref="IDestinationLimits"/> keeps (shared by the replicas on PostgreSQL). It never retries
/// and waits only briefly, for a post in flight to finish (<see cref="DeliveryResilienceOptions.BusyWait"/>): whatever
/// cannot go then comes back as a retryable outcome with the wait, and the inbox, which survives restarts, is the one
/// retry loop. Nothing here logs, so no URL or token can leak through it.
/// </summary>
public sealed class DeliveryResilience(IOptions<DeliveryResilienceOptions> options, IDestinationLimits limits)
{
    private readonly DeliveryResilienceOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, SemaphoreSlim?> _inFlight = new(StringComparer.Ordinal);

    /// <summary>One process's guards, in memory.</summary>
    public DeliveryResilience(IOptions<DeliveryResilienceOptions> options, TimeProvider time) : this(options, new LocalDestinationLimits(options, time)) { }

    public Task<DeliveryOutcome> ExecuteAsync(INotifier notifier, Notification notification, CancellationToken cancellationToken) =>
        ExecuteAsync(notifier.Id, notifier.Kind, ct => notifier.SendAsync(notification, ct), cancellationToken);

    /// <summary>Any one attempt against a destination (e.g. a storm digest) under that destination's guard.</summary>
    public async Task<DeliveryOutcome> ExecuteAsync(string destinationId, string kind,
        Func<CancellationToken, Task<DeliveryOutcome>> attempt, CancellationToken cancellationToken)
    {
        var slots = _inFlight.GetOrAdd(destinationId, _ => _options.Rates.GetValueOrDefault(kind)?.MaxInFlight is int n and > 0
            ? new SemaphoreSlim(n, n) : null);
        if (slots is not null && !slots.Wait(0) && !await slots.WaitAsync(_options.BusyWait, cancellationToken))
            return new DeliveryOutcome.Retryable(DeliveryReasons.Busy, _options.BusyRetryAfter);
        try
        {
            return await limits.UnderBreakerAsync(destinationId, ct => OneAttemptAsync(attempt, ct), cancellationToken);
        }
        finally
        {
            slots?.Release();
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
}
