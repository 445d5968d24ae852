namespace Webhook.Notify.Storm;

/// <summary>
/// Pods held for a storm digest, per chat destination. The inbox items are marked delivered when their pods join a
/// digest, so the digest must survive a restart until it is posted (or given up). The storm gate knows only this;
/// a store (SQLite in the inbox's file here, PostgreSQL for several replicas) passes the contract suite in
/// tests/Webhook.Tests/Storage. A pod (its idempotency key) waits in at most one digest of a destination.
/// A shared store (PostgreSQL) also makes the storm one across replicas: it counts the pods of the window
/// (<see cref="SeenAsync"/>), keeps one open batch per batch key that every replica's pods join
/// (<see cref="JoinAsync"/>), lets one replica post it (<see cref="ClaimAsync"/>) and tells the others which alert
/// still waits in it (<see cref="HeldAsync"/>). A single-process store answers those trivially: its one gate
/// already knows.
/// </summary>
public interface IStormStore
{
    /// <summary>
    /// Shared by several replicas: a batch may be completed or claimed by another process, so a gate asks the store
    /// about its batches while it waits, not only once its own view says they are due.
    /// </summary>
    bool Shared { get; }

    /// <summary>
    /// Holds the pod, durably once this completes, in the open batch of <paramref name="proposed"/>'s key, opening it as <paramref name="proposed"/>
    /// when there is none (a shared store: whichever replica opened it; a single-process store: always the proposal),
    /// and returns the batch joined with what is known of it now. <see cref="StormJoin.Added"/> is false when the pod
    /// already waits in a digest of this destination. A shared store opens a batch under a new id when the proposed one was used before.
    /// </summary>
    Task<StormJoin> JoinAsync(string destination, StormBatchInfo proposed, StormEntry entry, DateTimeOffset addedAt, CancellationToken cancellationToken);

    /// <summary>
    /// Notes the pod (its idempotency key) as seen now for its status and returns how many distinct pods of the
    /// destination and status all replicas saw within <paramref name="window"/>; 0 from a single-process store (its
    /// gate counts in memory).
    /// </summary>
    Task<int> SeenAsync(string destination, string status, string idempotencyKey, DateTimeOffset now, TimeSpan window, CancellationToken cancellationToken);

    /// <summary>
    /// The idempotency key of the item of the alert (<paramref name="fingerprint"/>) that waits in a digest of the
    /// destination, if any: a later item of the alert waits until that digest is posted, whichever replica holds it.
    /// Null from a single-process store (its gate knows).
    /// </summary>
    Task<string?> HeldAsync(string destination, string fingerprint, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the batch for posting when it is due (<see cref="StormOptions.Settle"/> after its last pod,
    /// <see cref="StormOptions.MaxHold"/> after its first, or all <see cref="StormBatchInfo.Expected"/> pods in), or
    /// when its poster's process is gone. Exactly one caller gets <see cref="StormClaim.Claimed"/> with its entries;
    /// the batch is closed then (later pods open another).
    /// </summary>
    Task<StormClaim> ClaimAsync(string destination, string batchId, DateTimeOffset now, StormOptions options, CancellationToken cancellationToken);

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

/// <summary>The batch a pod joined, with its pods so far (of every replica) and when its first and last joined.</summary>
public sealed record StormJoin(StormBatchInfo Batch, bool Added, int Count, DateTimeOffset FirstAdded, DateTimeOffset LastAdded);

/// <summary>What <see cref="IStormStore.ClaimAsync"/> found.</summary>
public abstract record StormClaim
{
    private StormClaim() { }

    /// <summary>This caller posts it: its entries in the order they joined.</summary>
    public sealed record Claimed(PendingStormBatch Batch) : StormClaim;

    /// <summary>Still open and not due (a pod joined elsewhere since): due at <paramref name="DueAt"/> as things stand.</summary>
    public sealed record NotDue(DateTimeOffset DueAt, int Count) : StormClaim;

    /// <summary>Another running replica posts it.</summary>
    public sealed record Taken : StormClaim;

    /// <summary>Posted (or given up) and removed.</summary>
    public sealed record Gone : StormClaim;
}

/// <summary>
/// A store shared by replicas (PostgreSQL) answers the gate's questions about a pod in one call, one round trip and
/// one transaction instead of three: is an earlier item of its alert held (<see cref="IStormStore.HeldAsync"/>), note
/// it in the window and is the window over the threshold (<see cref="IStormStore.SeenAsync"/>), and if it is (or the
/// pod's Alertmanager group is large) hold it in the open batch (<see cref="IStormStore.JoinAsync"/>), durably once
/// this completes. Several pods (of workers of one process that came at the same time) go in one call. A
/// single-process store has no need: its gate knows the first two itself.
/// </summary>
public interface IStormOffers
{
    /// <summary>The pods in order, in one transaction: a later pod sees what an earlier one did (its window, its
    /// alert held); an answer per pod, in the same order.</summary>
    Task<IReadOnlyList<StormOffer>> OfferAsync(string destination, IReadOnlyList<StormOfferRequest> requests, CancellationToken cancellationToken);
}

/// <param name="LocalCount">The distinct pods of the status this process saw within the window, this one included:
/// over the threshold, the store need not count.</param>
/// <param name="BigGroup">The pod's Alertmanager group is over the threshold: it joins whatever the window says.</param>
/// <param name="Proposed">The batch to open when none of its key is open (its id is used only then).</param>
public sealed record StormOfferRequest(string Status, string IdempotencyKey, string? Fingerprint, DateTimeOffset Now, TimeSpan Window,
    int LocalCount, int Threshold, bool BigGroup, StormBatchInfo Proposed, StormEntry Entry);

/// <summary>What <see cref="IStormOffers.OfferAsync"/> did with the pod.</summary>
public abstract record StormOffer
{
    private StormOffer() { }

    /// <summary>An item of its alert waits in a digest (<paramref name="IdempotencyKey"/>, maybe this one): the pod was
    /// not noted in the window.</summary>
    public sealed record Held(string IdempotencyKey) : StormOffer;

    /// <summary>Noted in the window, which is not over the threshold: the pod is posted on its own.</summary>
    public sealed record Below : StormOffer;

    /// <summary>Held in a batch, as <see cref="IStormStore.JoinAsync"/> says (its count only for a batch that expects a
    /// number of pods: a window batch's is 0).</summary>
    public sealed record Joined(StormJoin Join) : StormOffer;
}

/// <summary>
/// A store shared by replicas tells a process when another replica claimed a batch for posting (PostgreSQL:
/// LISTEN/NOTIFY), so a replica waiting for that batch stops asking the store about it. A hint only: a notice
/// missed (the connection broke) costs one more claim, which answers the same.
/// </summary>
public interface IStormClaimNotices
{
    /// <summary>Another process claimed the batch (destination, batch id). Raised on the listening connection's thread.</summary>
    event Action<string, string>? ClaimedElsewhere;

    /// <summary>Starts listening, once per store, until <paramref name="stopping"/>.</summary>
    void Listen(CancellationToken stopping);
}
