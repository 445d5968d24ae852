namespace Webhook.Notify.Delivery;

/// <summary>
/// Where the per-destination limits keep their state: the posting pace of each chat destination and the circuit
/// breaker of each destination. One process (SQLite) keeps them in memory (<see cref="LocalDestinationLimits"/>);
/// replicas on PostgreSQL share them in the database (<see cref="PostgresDestinationLimits"/>), so three replicas
/// post to one Slack channel at its pace, not three times it, and a destination one replica found failing is left
/// alone by all. Nothing here waits or retries; both pass the contract suite in tests/Webhook.Tests/Notify.
/// </summary>
public interface IDestinationLimits
{
    /// <summary>
    /// Takes the slot of one post to the chat destination <paramref name="key"/> at <paramref name="rate"/> (none: only
    /// a pause after a 429 holds it): <see cref="TimeSpan.Zero"/> when taken, else how long until a slot is free.
    /// </summary>
    ValueTask<TimeSpan> TakeSlotAsync(string key, RateOptions? rate, CancellationToken cancellationToken);

    /// <summary>The chat answered 429: no post to <paramref name="key"/> until <paramref name="wait"/> has passed, and no burst after it.</summary>
    ValueTask PauseAsync(string key, RateOptions? rate, TimeSpan wait, CancellationToken cancellationToken);

    /// <summary>
    /// One attempt under the destination's circuit breaker: run when the circuit is closed (or as the one trial after
    /// a break), judged by <see cref="DeliveryReasons.IsUnhealthy"/>; while it is open, not run and
    /// <see cref="DeliveryReasons.CircuitOpen"/> with the rest of the break comes back instead.
    /// </summary>
    Task<DeliveryOutcome> UnderBreakerAsync(string destinationId, Func<CancellationToken, Task<DeliveryOutcome>> attempt,
        CancellationToken cancellationToken);
}
