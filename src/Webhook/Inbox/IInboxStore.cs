namespace Webhook.Inbox;

/// <summary>
/// The durable queue between the intake and the workers. The pipeline and the endpoints know only this; a store
/// (SQLite here, PostgreSQL for several replicas) passes the contract suite in tests/Webhook.Tests/Inbox.
/// What every store guarantees:
/// <list type="bullet">
/// <item>one item per key (route + fingerprint + startsAt + status), however often it is enqueued;</item>
/// <item>items of one alert (route + fingerprint) are handed out in the order they arrived, never one while an
/// earlier one is pending or in flight; a pending firing whose resolved (same startsAt) is queued is superseded;</item>
/// <item>a claim carries a lease: when it runs out the item is handed out again, and what the old holder records
/// afterwards is ignored;</item>
/// <item>retries are scheduled by the caller; failed and dead items stay until re-queued or purged.</item>
/// </list>
/// </summary>
public interface IInboxStore
{
    /// <summary>Creates what is missing (file, schema) and starts the store's own work; idempotent.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Completes once the items are durable; duplicates of stored keys are counted, not added.</summary>
    Task<EnqueueResult> EnqueueAsync(IReadOnlyList<NewInboxItem> items);

    /// <summary>Up to <paramref name="max"/> due items, each the earliest open item of its alert, leased for <paramref name="lease"/>.</summary>
    Task<IReadOnlyList<InboxItem>> ClaimAsync(int max, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Extends a claim that is still the item's; false when it was lost.</summary>
    Task<bool> RenewLeaseAsync(InboxItem item, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>At start: items whose holder is gone (a previous process of this store) return to the queue at once.</summary>
    Task<int> RecoverInFlightAsync(CancellationToken cancellationToken);

    /// <summary>Destinations that already have this item, so a retry, a restart or a re-queue never posts to them twice.</summary>
    Task<IReadOnlySet<string>> DeliveredDestinationsAsync(long itemId, CancellationToken cancellationToken);

    Task MarkDeliveredToAsync(long itemId, string destination, CancellationToken cancellationToken);

    /// <summary>Marks the item delivered; with <paramref name="lastDestination"/>, records that delivery in the same commit.</summary>
    Task<bool> CompleteAsync(InboxItem item, string? lastDestination, CancellationToken cancellationToken);

    /// <summary>
    /// Back to pending, due at <paramref name="nextAttemptAt"/>, with the reason. Without <paramref name="countAttempt"/>
    /// the item's attempts stay as they were: nothing left the process (a busy or paced destination, an open circuit),
    /// so its backoff must not grow.
    /// </summary>
    Task<bool> RetryLaterAsync(InboxItem item, DateTimeOffset nextAttemptAt, string reason, CancellationToken cancellationToken, bool countAttempt = true);

    /// <summary>Terminal: <see cref="InboxStates.Failed"/> or <see cref="InboxStates.Dead"/>, with the reason.</summary>
    Task<bool> GiveUpAsync(InboxItem item, string state, string reason, CancellationToken cancellationToken);

    /// <summary>A failed or dead item back to pending, due now, with its age and attempts started over.</summary>
    Task<RequeueResult> RequeueAsync(long itemId, CancellationToken cancellationToken);

    /// <summary>Deletes delivered and superseded items past Inbox:Retention, failed and dead ones past Inbox:FailedRetention.</summary>
    Task<int> PurgeAsync(CancellationToken cancellationToken);

    Task<InboxCounts> CountsAsync(CancellationToken cancellationToken);

    /// <summary>Failed and dead items, the most recent first.</summary>
    Task<IReadOnlyList<FailedItem>> FailedAsync(int limit, CancellationToken cancellationToken);

    Task<InboxItemState?> FindAsync(long itemId, CancellationToken cancellationToken);

    /// <summary>Readiness: the store can take a write now.</summary>
    Task<bool> IsWritableAsync(CancellationToken cancellationToken);
}
