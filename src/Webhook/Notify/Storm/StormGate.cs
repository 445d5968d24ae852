using Microsoft.Extensions.Options;
using Webhook.Notify.Content;
using Webhook.Notify.Delivery;

namespace Webhook.Notify.Storm;

/// <summary>
/// Per chat destination: counts pods per status over a sliding window and, past the threshold (or when one
/// Alertmanager group is larger than it), takes notifications into a batch that is posted as one digest.
/// Batches are written to the <see cref="IStormStore"/> before the pod counts as delivered, and posted through the
/// delivery stage (its guards and metrics) again after a restart or a failed attempt, until the chat accepts them,
/// finally refuses them, or they are older than <see cref="StormOptions.MaxRetryAge"/>.
/// </summary>
/// <param name="workers">The pipeline's workers in this process (Pipeline:Workers): at most this many pods come to the
/// gate at once, so a call that carries that many need not wait for more.</param>
public sealed partial class StormGate(string destinationId, string kind, IDigestTarget target, ContentBuilder content,
    IStormStore store, DeliveryStage stage, StormGates loops, IOptions<StormOptions> options, TimeProvider time, ILogger logger, int workers = 1)
{
    public string DestinationId => destinationId;

    private readonly StormOptions _options = options.Value;
    // Guards the windows and the batches. A semaphore, not a lock: a pod joins its batch in the store (an
    // asynchronous write) and in memory as one step, so a batch taken for posting never misses a pod the store holds.
    private readonly SemaphoreSlim _lock = new(1, 1);
    // One digest of this destination tries the chat at a time, and keeps the turn while the chat's pace (or a 429,
    // or an open circuit) says when to try again. Without it every waiting digest woke at the same next slot: one
    // took it and the others were rendered and refused again, N-1 wasted attempts a second for N digests waiting
    // (a storm of 40 groups at Slack's one post a second doubled the CPU per pod, tests/bench/INBOX-STORES.md).
    private readonly SemaphoreSlim _posting = new(1, 1);
    private readonly Dictionary<string, Window> _recent = new(StringComparer.Ordinal);
    // Per batch key, the batch this process last joined and takes to be open: on a single-process store, the id it
    // proposes for the key's next pod (a shared store keeps the open batch itself).
    private readonly Dictionary<string, string> _open = new(StringComparer.Ordinal);
    // Per batch id, the batches this process joined or recovered, each with its loop until it is posted or gone.
    private readonly Dictionary<string, Batch> _batches = new(StringComparer.Ordinal);
    // Per alert (fingerprint), the item held in a digest not yet posted (open, retrying, or recovered after a
    // restart). The inbox marks an item delivered when it joins a digest, so the inbox's per-alert order ends there;
    // this keeps it: a later item of the alert waits until that digest is posted or given up. Items held by other
    // replicas' digests are the shared store's to tell (IStormStore.HeldAsync).
    private readonly Dictionary<string, (string Key, Batch Batch)> _held = new(StringComparer.Ordinal);

    /// <summary>Raised after each digest attempt; tests wait on it instead of sleeping.</summary>
    public event Action<StormDigest, DeliveryOutcome>? DigestPosted;

    /// <summary>
    /// Several replicas share the gate's store: a batch whose poster's process ended can turn up at any time, so
    /// <see cref="StormGates"/> asks for them again now and then, not only at the start.
    /// </summary>
    public bool Shared => store.Shared;

    /// <summary>
    /// Posts the digests held but not being posted: a previous run's, and on a shared store those of replicas that
    /// are gone. False when the store did not answer (the database is down): <see cref="StormGates"/> tries again.
    /// </summary>
    public async Task<bool> RecoverAsync(CancellationToken cancellationToken)
    {
        ListenForClaims(cancellationToken);
        IReadOnlyList<PendingStormBatch> held;
        try
        {
            held = await store.PendingAsync(destinationId, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Left in the store: tried again shortly.
            LogRecoveryFailed(logger, destinationId, ex.GetType().Name);
            return false;
        }
        foreach (var pending in held)
        {
            Batch batch;
            await _lock.WaitAsync(cancellationToken);
            try
            {
                if (_batches.ContainsKey(pending.Batch.Id)) continue;
                // Its first pod's time: a digest held past MaxHold is posted at once, and its age counts across restarts.
                _batches[pending.Batch.Id] = batch = new Batch(pending.Batch.Id, pending.Batch.Key, pending.FirstAdded, pending.Batch.Expected);
                batch.Seen(pending.Entries.Count, pending.FirstAdded, pending.FirstAdded);
                foreach (var entry in pending.Entries) Hold(entry, batch);
            }
            finally
            {
                _lock.Release();
            }
            loops.Track(ct => HoldThenPostAsync(batch, ct));
        }
        return true;
    }

    /// <summary>
    /// <see cref="Absorb.Absorbed"/> when the notification went into a digest (or already waits in one) and must not
    /// be posted on its own; <see cref="Absorb.Wait"/> when an earlier item of its alert waits in a digest not posted
    /// yet, so it must not be posted now either (a resolve overtaking its firing).
    /// </summary>
    public async Task<Absorb> TryAbsorbAsync(Notification n, CancellationToken cancellationToken)
    {
        if (store is IStormOffers offers) return await OfferAsync(offers, n, cancellationToken);
        var now = time.GetUtcNow();
        Batch? started = null;
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (n.Alert.Fingerprint is { } fingerprint)
            {
                if (_held.TryGetValue(fingerprint, out var held)) return HeldAnswer(held.Key, n);
                if (await store.HeldAsync(destinationId, fingerprint, cancellationToken) is { } heldKey) return HeldAnswer(heldKey, n);
            }

            var recent = RecentOf(n.Alert.Status);
            recent.Add(n.IdempotencyKey, now, _options.Window);
            // Across replicas the store counts every replica's pods (never fewer than this one's); alone, it says 0.
            var seen = Math.Max(recent.Count, await store.SeenAsync(destinationId, n.Alert.Status, n.IdempotencyKey, now, _options.Window, cancellationToken));

            var bigGroup = IsBigGroup(n);
            if (!bigGroup && seen <= _options.Threshold) return Absorb.NotAbsorbed;

            var key = BatchKey(n, bigGroup);
            // A shared store answers with the batch open across replicas and uses the proposal only to open one: a
            // new id each time, since the one this process last joined may have been claimed by another replica meanwhile.
            var proposed = new StormBatchInfo(!store.Shared && _open.TryGetValue(key, out var open) ? open : Guid.NewGuid().ToString("N"), key,
                bigGroup ? n.Alert.GroupSize : int.MaxValue);
            var entry = StormEntry.From(n, content);
            // Durable before the pod counts as delivered; a pod already held (a retry after a restart) is not added twice.
            started = Joined(key, await store.JoinAsync(destinationId, proposed, entry, now, cancellationToken), entry);
        }
        finally
        {
            _lock.Release();
            if (started is not null) loops.Track(ct => HoldThenPostAsync(started, ct));
        }
        return Absorb.Absorbed;
    }

    public enum Absorb { NotAbsorbed, Absorbed, Wait }

    /// <summary>A pod waiting for the next call of <see cref="IStormOffers.OfferAsync"/>.</summary>
    private sealed class Offered(Notification notification, DateTimeOffset at)
    {
        public Notification Notification => notification;
        public DateTimeOffset At => at;
        public TaskCompletionSource<Absorb> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    // Pods of this process's workers waiting for the store, under their own lock (not the gate's, which the call holds).
    private readonly List<Offered> _offered = [];

    /// <summary>
    /// A store that takes offers (PostgreSQL): the pods of the workers that come while a call is out go together in
    /// the next, one round trip and one commit for all (a group commit). Whoever gets the gate's lock with its pod
    /// still waiting makes the call for every pod waiting then; the others find theirs answered when their turn comes.
    /// Each pod is durable in its batch before its worker returns, as with one call per pod.
    /// </summary>
    private async Task<Absorb> OfferAsync(IStormOffers offers, Notification n, CancellationToken cancellationToken)
    {
        var mine = new Offered(n, time.GetUtcNow());
        lock (_offered)
        {
            _offered.Add(mine);
            if (_offered.Count >= workers) _gathered?.TrySetResult();
        }
        try
        {
            await _lock.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Not taken by a call yet: it leaves; taken, its answer is the caller's no longer (the inbox retries the item).
            lock (_offered) _offered.Remove(mine);
            throw;
        }
        var started = new List<Batch>();
        try
        {
            if (!mine.Done.Task.IsCompleted)
            {
                await LingerAsync();
                List<Offered> taken;
                lock (_offered)
                {
                    taken = [.. _offered];
                    _offered.Clear();
                }
                try
                {
                    await OfferTakenAsync(offers, taken, started, cancellationToken);
                }
                catch (Exception ex)
                {
                    // The store failed (or this caller's item was cancelled): every pod of the call is retried by the inbox.
                    foreach (var offered in taken) offered.Done.TrySetException(ex);
                }
            }
        }
        finally
        {
            _lock.Release();
            foreach (var batch in started) loops.Track(ct => HoldThenPostAsync(batch, ct));
        }
        return await mine.Done.Task;
    }

    // Set while a caller lingers: completed by the pod that makes every worker's pod wait for the call.
    private TaskCompletionSource? _gathered;

    /// <summary>
    /// Under the lock, before a call: waits up to <see cref="StormOptions.OfferLinger"/> for the pods of this process's
    /// other workers, and no longer once one of each waits (no more can come). A replica's workers reach the gate one
    /// or two at a time (their collection and diagnosis come first), so without it most calls carried one pod, and a
    /// call's fixed cost on the server (round trip, function call, transaction, commit) was most of a storm pod's
    /// there. Real time, not the service's clock: it waits for other threads, not for a due time.
    /// </summary>
    private async Task LingerAsync()
    {
        var linger = _options.OfferLinger;
        if (linger <= TimeSpan.Zero) return;
        TaskCompletionSource gathered;
        lock (_offered)
        {
            if (_offered.Count >= workers) return;
            _gathered = gathered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        await Task.WhenAny(gathered.Task, Task.Delay(linger, CancellationToken.None));
        lock (_offered) _gathered = null;
    }

    /// <summary>Under the lock: the pods' answers from this process's own knowledge, or from one call of the store.</summary>
    private async Task OfferTakenAsync(IStormOffers offers, List<Offered> taken, List<Batch> started, CancellationToken cancellationToken)
    {
        var asked = new List<(Offered Pod, StormOfferRequest Request)>(taken.Count);
        foreach (var offered in taken)
        {
            var n = offered.Notification;
            if (n.Alert.Fingerprint is { } fingerprint && _held.TryGetValue(fingerprint, out var held))
            {
                offered.Done.TrySetResult(HeldAnswer(held.Key, n));
                continue;
            }
            var big = IsBigGroup(n);
            var key = BatchKey(n, big);
            // This process's window as it was before the call: never more than its own count, so only a shortcut
            // (over the threshold, the store need not count); the store counts this call's other pods itself.
            var local = _recent.TryGetValue(n.Alert.Status, out var w) ? w.CountWith(n.IdempotencyKey, offered.At, _options.Window) : 1;
            // A new id each time: the store answers with the batch open across replicas and uses the proposal only to open one.
            asked.Add((offered, new StormOfferRequest(n.Alert.Status, n.IdempotencyKey, n.Alert.Fingerprint, offered.At, _options.Window, local,
                _options.Threshold, big, new StormBatchInfo(Guid.NewGuid().ToString("N"), key, big ? n.Alert.GroupSize : int.MaxValue),
                StormEntry.From(n, content))));
        }
        if (asked.Count == 0) return;
        var answers = await offers.OfferAsync(destinationId, asked.Select(a => a.Request).ToList(), cancellationToken);
        for (var i = 0; i < asked.Count; i++)
        {
            var (offered, request) = asked[i];
            var n = offered.Notification;
            switch (answers[i])
            {
                case StormOffer.Held h:
                    offered.Done.TrySetResult(HeldAnswer(h.IdempotencyKey, n));
                    continue;
                case StormOffer.Joined j:
                    if (Joined(request.Proposed.Key, j.Join, request.Entry) is { } batch) started.Add(batch);
                    offered.Done.TrySetResult(Absorb.Absorbed);
                    break;
                default:
                    offered.Done.TrySetResult(Absorb.NotAbsorbed);
                    break;
            }
            RecentOf(n.Alert.Status).Add(n.IdempotencyKey, offered.At, _options.Window);
        }
    }

    /// <summary>An item of the alert waits in a digest: this one (absorbed) or an earlier one (this one waits for it).</summary>
    private static Absorb HeldAnswer(string heldKey, Notification n) => heldKey == n.IdempotencyKey ? Absorb.Absorbed : Absorb.Wait;

    /// <summary>The pod's Alertmanager group alone is over the threshold: it joins the group's batch whatever the window says.</summary>
    private bool IsBigGroup(Notification n) => n.Alert.GroupSize > _options.Threshold && n.Alert.GroupKey is not null;

    /// <summary>The batch a pod joins: its group's (a big group) or its status's window.</summary>
    private static string BatchKey(Notification n, bool bigGroup) => n.Alert.Status + "|" + (bigGroup ? "group|" + n.Alert.GroupKey : "window");

    /// <summary>Under the lock: this process's window of the status.</summary>
    private Window RecentOf(string status) => _recent.TryGetValue(status, out var w) ? w : _recent[status] = new();

    /// <summary>Under the lock: what this process knows of the batch the pod joined; the batch when it is new here (its loop to start).</summary>
    private Batch? Joined(string key, StormJoin joined, StormEntry entry)
    {
        Batch? started = null;
        _open[key] = joined.Batch.Id;
        if (!_batches.TryGetValue(joined.Batch.Id, out var batch))
            _batches[joined.Batch.Id] = started = batch = new Batch(joined.Batch.Id, key, joined.FirstAdded, joined.Batch.Expected);
        batch.Seen(joined.Count, joined.FirstAdded, joined.LastAdded);
        if (joined.Added) Hold(entry, batch);
        return started;
    }

    /// <summary>Under the lock.</summary>
    private void Hold(StormEntry entry, Batch batch)
    {
        if (entry.Fingerprint is { } fingerprint) _held[fingerprint] = (entry.IdempotencyKey, batch);
    }

    /// <summary>Later items of the batch's alerts may go as far as this process is concerned, and it forgets the batch
    /// (posted, given up, left to the store's recovery, or posted by another replica).</summary>
    private async Task ReleaseAsync(Batch batch)
    {
        await _lock.WaitAsync(CancellationToken.None);
        try
        {
            foreach (var (fingerprint, held) in _held.Where(h => h.Value.Batch == batch).ToList()) _held.Remove(fingerprint);
            if (_batches.TryGetValue(batch.Id, out var current) && current == batch) _batches.Remove(batch.Id);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// How often a gate on a shared store asks about a batch it waits for: another replica's pods may have completed
    /// it or moved its settle, or another replica may post it (then this one learns when it is gone). About one
    /// query a second per batch and replica, for the few batches a storm has.
    /// </summary>
    private static readonly TimeSpan SharedPoll = TimeSpan.FromSeconds(1);

    // Per batch id, the batches this process waits for on a shared store: set when another replica claimed it.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> _claimedElsewhere = new(StringComparer.Ordinal);
    private int _listening;

    /// <summary>
    /// On a store that tells (PostgreSQL's NOTIFY at a claim's commit), a batch another replica claimed ends this
    /// process's wait for it without a claim of its own. Without it, every replica that joined a batch asked the store
    /// once a second until one found it due, and the others' asks were claims that found it taken: about two and a
    /// half claims per batch at 3 replicas in a storm (tests/bench/INBOX-STORES.md). Once per gate, until the host stops.
    /// </summary>
    private void ListenForClaims(CancellationToken stopping)
    {
        if (store is not IStormClaimNotices notices || Interlocked.Exchange(ref _listening, 1) != 0) return;
        notices.ClaimedElsewhere += (destination, batchId) =>
        {
            if (destination == destinationId && _claimedElsewhere.TryGetValue(batchId, out var claimed)) claimed.TrySetResult();
        };
        notices.Listen(stopping);
    }

    /// <summary>Waits until the batch is due, then claims it: one replica (one loop) posts it.</summary>
    private async Task<PendingStormBatch?> ClaimWhenDueAsync(Batch batch, CancellationToken stopping)
    {
        if (!store.Shared) return await ClaimWhenDueAsync(batch, null, stopping);
        var claimedElsewhere = _claimedElsewhere.GetOrAdd(batch.Id, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            return await ClaimWhenDueAsync(batch, claimedElsewhere.Task, stopping);
        }
        finally
        {
            _claimedElsewhere.TryRemove(batch.Id, out _);
        }
    }

    /// <summary>Waits until the batch is due, then claims it, unless <paramref name="claimedElsewhere"/> says another
    /// running replica did (it posts it; should it end first, the look for orphaned batches takes it over).</summary>
    private async Task<PendingStormBatch?> ClaimWhenDueAsync(Batch batch, Task? claimedElsewhere, CancellationToken stopping)
    {
        while (true)
        {
            while (true)
            {
                if (claimedElsewhere?.IsCompleted == true) return null;
                var wait = batch.DueAt(_options) - time.GetUtcNow();
                if (batch.Complete || wait <= TimeSpan.Zero) break;
                var delay = Task.Delay(store.Shared && wait > SharedPoll ? SharedPoll : wait, time, stopping);
                await (claimedElsewhere is null ? Task.WhenAny(delay, batch.Completed) : Task.WhenAny(delay, batch.Completed, claimedElsewhere));
                stopping.ThrowIfCancellationRequested();
                if (claimedElsewhere?.IsCompleted == true) return null;
                // The store judges due on every replica's pods.
                if (store.Shared) break;
            }
            StormClaim claim;
            await _lock.WaitAsync(stopping);
            try
            {
                // This process's next pod of the key proposes a new batch (a shared store still answers with this one
                // while it stays open).
                if (_open.TryGetValue(batch.Key, out var open) && open == batch.Id) _open.Remove(batch.Key);
                claim = await store.ClaimAsync(destinationId, batch.Id, time.GetUtcNow(), _options, stopping);
            }
            finally
            {
                _lock.Release();
            }
            switch (claim)
            {
                case StormClaim.Claimed claimed:
                    return claimed.Batch;
                case StormClaim.Gone:
                    return null;
                case StormClaim.NotDue notDue:
                    // Not due on the row (another replica's pod joined later than this one knew): asked again at the
                    // next poll, or when it is due.
                    batch.Postpone(notDue.DueAt);
                    var wait = notDue.DueAt - time.GetUtcNow();
                    if (wait > SharedPoll) wait = SharedPoll;
                    if (wait > TimeSpan.Zero)
                    {
                        var delay = Task.Delay(wait, time, stopping);
                        await (claimedElsewhere is null ? delay : Task.WhenAny(delay, claimedElsewhere));
                        stopping.ThrowIfCancellationRequested();
                    }
                    continue;
            }
            // Taken: another running replica posts it. Its alerts' later items wait on the store's record of it
            // (HeldAsync) until it is removed, not on this process, so this loop has nothing left to do. Should the
            // poster's process end before it removes the batch, the gates' look for orphaned batches (every
            // StormGates.OrphanScan, one query per destination for all its batches) hands it to one running replica.
            // This loop used to ask again at 1, 2, 4 and then every 8 s: over three claims per batch at 3 replicas in a
            // storm (tests/bench/INBOX-STORES.md), each looking for the poster among the server's locks.
            return null;
        }
    }

    private async Task HoldThenPostAsync(Batch batch, CancellationToken stopping)
    {
        try
        {
            var claimed = await ClaimWhenDueAsync(batch, stopping);
            if (claimed is null)
            {
                await ReleaseAsync(batch);
                return;
            }
            var digest = StormDigest.From(claimed.Entries);
            var giveUpAt = claimed.FirstAdded + _options.MaxRetryAge;
            var backoff = _options.RetryDelay;
            var turn = false;
            try
            {
                while (true)
                {
                    if (!turn)
                    {
                        await _posting.WaitAsync(stopping);
                        turn = true;
                    }
                    var outcome = await stage.SendDigestAsync(destinationId, kind, target, digest, stopping);
                    DigestPosted?.Invoke(digest, outcome);
                    if (outcome is not DeliveryOutcome.Retryable r)
                    {
                        if (outcome is DeliveryOutcome.Permanent p) LogDigestFailed(logger, destinationId, digest.PodCount, p.Reason);
                        // Not cancelled by the host stopping: a digest posted but left in the store is posted again at the next start.
                        await store.RemoveAsync(destinationId, batch.Id, CancellationToken.None);
                        await ReleaseAsync(batch);
                        return;
                    }
                    // Nothing sent (pace, busy, open circuit) or throttled: the wait is known, and it is no failure to back
                    // off from; the turn is kept, since no other digest of the destination could go before then either.
                    TimeSpan wait;
                    // Rounded up to the next whole millisecond and one more: a timer truncates to milliseconds, and a
                    // pace's wait of 0.4 ms fired at once, before the slot, over and over.
                    if (DeliveryReasons.WasNotSent(r) || DeliveryReasons.IsThrottled(r))
                        wait = r.RetryAfter is { } slot ? TimeSpan.FromMilliseconds(Math.Ceiling(slot.TotalMilliseconds) + 1) : _options.RetryDelay;
                    else
                    {
                        // A failure of this digest (say, one the chat found too large): the others go meanwhile.
                        LogDigestRetry(logger, destinationId, digest.PodCount, r.Reason);
                        wait = r.RetryAfter is { } after && after > backoff ? after : backoff;
                        backoff = backoff * 2 > _options.MaxRetryDelay ? _options.MaxRetryDelay : backoff * 2;
                        _posting.Release();
                        turn = false;
                    }
                    if (time.GetUtcNow() + wait > giveUpAt)
                    {
                        LogDigestFailed(logger, destinationId, digest.PodCount, $"still failing after {_options.MaxRetryAge}: {r.Reason}");
                        await store.RemoveAsync(destinationId, batch.Id, CancellationToken.None);
                        await ReleaseAsync(batch);
                        return;
                    }
                    await Task.Delay(wait, time, stopping);
                }
            }
            finally
            {
                if (turn) _posting.Release();
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Left in the store: the next start posts it.
        }
        catch (Exception ex)
        {
            // Left in the store: recovered again (the next start, or on a shared store the next look for orphaned
            // batches). Its alerts' later items go meanwhile rather than wait for that (on a shared store, they still
            // wait while its pods are held). The store not answering (the database restarting) is an outage the
            // recovery rides out, as it does its own failed reads (a warning), not a broken digest.
            if (ex is System.Data.Common.DbException) LogDigestStoreUnavailable(logger, destinationId, ex.GetType().Name);
            else LogDigestError(logger, destinationId, ex.GetType().Name);
            await ReleaseAsync(batch);
        }
    }

    /// <summary>Distinct pods seen within the window: an item the inbox retries (say, after the chat's pace
    /// deferred it) is still one pod.</summary>
    private sealed class Window
    {
        private readonly Queue<(DateTimeOffset At, string Key)> _order = new();
        private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
        public int Count => _keys.Count;

        /// <summary>The count once <paramref name="key"/> is added, without adding it.</summary>
        public int CountWith(string key, DateTimeOffset now, TimeSpan window)
        {
            Expire(now, window);
            return _keys.Contains(key) ? _keys.Count : _keys.Count + 1;
        }

        private void Expire(DateTimeOffset now, TimeSpan window)
        {
            while (_order.Count > 0 && now - _order.Peek().At > window) _keys.Remove(_order.Dequeue().Key);
        }

        public void Add(string key, DateTimeOffset now, TimeSpan window)
        {
            Expire(now, window);
            if (_keys.Add(key)) _order.Enqueue((now, key));
        }
    }

    /// <summary>What this process knows of a batch: its pods (of every replica, as of its last join) and times.</summary>
    private sealed class Batch(string id, string key, DateTimeOffset first, int expected)
    {
        private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private DateTimeOffset _first = first;
        private DateTimeOffset _last = first;
        private DateTimeOffset _notBefore = DateTimeOffset.MinValue;

        public string Id => id;
        public string Key => key;
        public Task Completed => _completed.Task;
        public bool Complete => _completed.Task.IsCompleted;

        /// <summary>Under the gate's lock.</summary>
        public void Seen(int pods, DateTimeOffset firstAdded, DateTimeOffset lastAdded)
        {
            _first = firstAdded;
            if (lastAdded > _last) _last = lastAdded;
            if (pods >= expected) _completed.TrySetResult();
        }

        public void Postpone(DateTimeOffset dueAt) => _notBefore = dueAt;

        public DateTimeOffset DueAt(StormOptions o) => Max(Min(_last + o.Settle, _first + o.MaxHold), _notBefore);
        private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
        private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
    }

    [LoggerMessage(EventId = 320, Level = LogLevel.Warning, Message = "Storm digest of {Pods} pods to {Destination} refused: {Reason}")]
    private static partial void LogDigestFailed(ILogger logger, string destination, int pods, string reason);

    [LoggerMessage(EventId = 322, Level = LogLevel.Warning, Message = "Storm digest of {Pods} pods to {Destination} failed, will retry: {Reason}")]
    private static partial void LogDigestRetry(ILogger logger, string destination, int pods, string reason);

    [LoggerMessage(EventId = 323, Level = LogLevel.Warning, Message = "Storm digests held for {Destination} could not be read: {Error}; trying again")]
    private static partial void LogRecoveryFailed(ILogger logger, string destination, string error);

    [LoggerMessage(EventId = 324, Level = LogLevel.Warning, Message = "Storm digest to {Destination}: its store did not answer ({Error}); it is taken up again once it does")]
    private static partial void LogDigestStoreUnavailable(ILogger logger, string destination, string error);

    [LoggerMessage(EventId = 321, Level = LogLevel.Error, Message = "Storm digest to {Destination} broke: {Error}")]
    private static partial void LogDigestError(ILogger logger, string destination, string error);
}
