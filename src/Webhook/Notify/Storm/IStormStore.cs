namespace Webhook.Notify.Storm;

/// <summary>
/// Pods held for a storm digest, per chat destination. The inbox items are marked delivered when their pods join a
/// digest, so the digest must survive a restart until it is posted (or given up). The storm gate knows only this;
/// a store (SQLite in the inbox's file here, PostgreSQL for several replicas) passes the contract suite in
/// tests/Webhook.Tests/Storage. A pod (its idempotency key) waits in at most one digest of a destination.
/// </summary>
public interface IStormStore
{
    /// <summary>
    /// Holds the pod in the batch, durably once this completes. True when this call added it; false when the pod
    /// already waits in a digest of this destination (the inbox retried it after a restart), which is left as it is.
    /// </summary>
    Task<bool> AddAsync(string destination, StormBatchInfo batch, StormEntry entry, DateTimeOffset addedAt, CancellationToken cancellationToken);

    /// <summary>
    /// The destination's batches not yet removed, oldest first, each with its entries in the order they were added:
    /// those of this process and of processes that are gone (a shared store hands them to one caller, which posts
    /// them from then on), never those another running process holds.
    /// </summary>
    Task<IReadOnlyList<PendingStormBatch>> PendingAsync(string destination, CancellationToken cancellationToken);

    /// <summary>The batch was posted, refused or given up: its pods leave the store.</summary>
    Task RemoveAsync(string destination, string batchId, CancellationToken cancellationToken);
}

/// <summary>A batch: its id, its key (status and group or window) and how many pods it waits for (its Alertmanager group's size, or none).</summary>
public sealed record StormBatchInfo(string Id, string Key, int Expected);

/// <param name="FirstAdded">When its first pod joined: the digest's age counts from there across restarts.</param>
public sealed record PendingStormBatch(StormBatchInfo Batch, IReadOnlyList<StormEntry> Entries, DateTimeOffset FirstAdded);
