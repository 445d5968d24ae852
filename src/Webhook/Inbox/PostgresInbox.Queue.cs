using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Webhook.Alerts;

namespace Webhook.Inbox;

/// <summary>
/// The queue's state changes. A claim is one transaction of two statements sent at once: find candidates (each its
/// alert's next, the least busy routes first) and take the advisory locks of their alerts without waiting, then
/// check them again under those locks with <c>FOR UPDATE SKIP LOCKED</c> and lease them. Completing, retrying and renewing name the
/// lease token, so a holder whose lease ran out records nothing.
/// </summary>
public sealed partial class PostgresInbox
{
    const string Superseded = "superseded: its resolved arrived before it was delivered";

    /// <summary>How often (by the clock) a claim also returns the items of replicas that stopped: see <see cref="RecoverInFlightAsync"/>.</summary>
    static readonly TimeSpan OwnerCheckInterval = TimeSpan.FromSeconds(15);

    /// <summary>
    /// True when item <paramref name="c"/> is its alert's next: no earlier open item of the same route + fingerprint,
    /// except pending firings of the same start when it is a resolved (those are superseded by it). OFFSET 0 keeps
    /// the planner from turning it into an anti-join over every open item: probed per row on the open-items index,
    /// it costs the same behind a backlog of 100 or 100,000.
    /// </summary>
    static string IsNext(string c) => $"""
        NOT EXISTS (
            SELECT 1 FROM inbox_items e
            WHERE e.route = {c}.route AND e.fingerprint = {c}.fingerprint AND e.id < {c}.id AND e.state IN ('pending', 'inflight')
              AND NOT ({c}.resolved AND NOT e.resolved AND e.state = 'pending' AND e.starts_at = {c}.starts_at)
            OFFSET 0)
        """;

    /// <summary>
    /// The rows a first pass looks at, so a claim does not read the whole backlog: the first expired leases, and
    /// each route's first due items that are their alert's next, in due order on the route's index (the routes
    /// found by a skip scan of the open-items index, one probe per route). An alert on a quiet route is seen however
    /// deep another route's storm is, and items blocked behind their alert are passed over, not counted, so they
    /// never hide the items that unblock them.
    /// </summary>
    static readonly string WindowCte = $"""
        routes(route) AS (
            (SELECT route FROM inbox_items WHERE state IN ('pending', 'inflight') ORDER BY route LIMIT 1)
            UNION ALL
            SELECT (SELECT i.route FROM inbox_items i WHERE i.state IN ('pending', 'inflight') AND i.route > r.route ORDER BY i.route LIMIT 1)
            FROM routes r WHERE r.route IS NOT NULL),
        seen(id, route, alert_lock, expired, due) AS MATERIALIZED (
            (SELECT x.id, x.route, x.alert_lock, true, x.lease_until FROM inbox_items x
             WHERE x.state = 'inflight' AND x.lease_until <= @now AND {IsNext("x")}
             ORDER BY x.lease_until LIMIT @limit)
            UNION ALL
            SELECT w.id, r.route, w.alert_lock, false, w.next_attempt_at FROM routes r CROSS JOIN LATERAL (
                SELECT p.id, p.alert_lock, p.next_attempt_at FROM inbox_items p
                WHERE p.route = r.route AND p.state = 'pending' AND p.next_attempt_at <= @now AND {IsNext("p")}
                ORDER BY p.next_attempt_at, p.id LIMIT @limit) w
            WHERE r.route IS NOT NULL),
        """;

    /// <summary>
    /// The workers of this replica that ask at the same time share one claim: a claim costs the server about the
    /// same for one item as for a few (most of it is finding the candidates), and the workers ask together after a
    /// doorbell or while claims queue behind a busy database. A request waits for the claim round it joined (one
    /// claim, milliseconds) and is not cancelled meanwhile: what the round leases for it, it gets, and processes as
    /// any claimed item. Each gets at most what it asked for, in rank order of the requests' arrival.
    /// A round also claims up to Inbox:ClaimAhead items more than asked, kept here for the next requests (see
    /// <see cref="TakeAhead"/>): a worker that finishes takes its next item without a claim, and the claims of a
    /// storm are several items each instead of one or two (a claim was half of the server's CPU per alert).
    /// </summary>
    public Task<IReadOnlyList<InboxItem>> ClaimAsync(int max, TimeSpan lease, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var (ready, stale) = TakeAhead(max, lease);
        // Given back before the claim, so it may take them again (with a fresh lease).
        if (stale is not null) return ReleaseThenClaimAsync(stale, max, lease, cancellationToken);
        if (ready is not null)
        {
            if (_ahead.IsEmpty)
            {
                // The last one taken: the next round refills while this worker processes it.
                Volatile.Write(ref _refillAsked, 1);
                StartClaimRound(lease);
            }
            else _doorbell?.Ring(); // more kept: the next idle worker takes one (and wakes the next)
            return Task.FromResult<IReadOnlyList<InboxItem>>(ready);
        }
        var request = new ClaimRequest(max, lease);
        _claimRequests.Enqueue(request);
        StartClaimRound(lease);
        return request.Done.Task;
    }

    async Task<IReadOnlyList<InboxItem>> ReleaseThenClaimAsync(List<InboxItem> stale, int max, TimeSpan lease, CancellationToken cancellationToken)
    {
        await ReleaseAsync(stale);
        return await ClaimAsync(max, lease, cancellationToken);
    }

    void StartClaimRound(TimeSpan lease)
    {
        Volatile.Write(ref _aheadLeaseTicks, lease.Ticks);
        _claimRounds.Start();
    }

    sealed record ClaimRequest(int Max, TimeSpan Lease)
    {
        public TaskCompletionSource<IReadOnlyList<InboxItem>> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    readonly System.Collections.Concurrent.ConcurrentQueue<ClaimRequest> _claimRequests = new();

    /// <summary>Items claimed ahead of the requests, with when they were leased (the store's clock, Unix milliseconds).</summary>
    readonly System.Collections.Concurrent.ConcurrentQueue<(InboxItem Item, long LeasedAt, long Lease)> _ahead = new();

    /// <summary>The lease of the latest request: the one the items claimed ahead get.</summary>
    long _aheadLeaseTicks;

    /// <summary>
    /// Up to <paramref name="max"/> items claimed ahead that are still safe to hand out: leased less than a third of
    /// their lease ago, so the worker's first renewal (a third of the lease after it starts) comes before the lease
    /// can run out and another replica claim the item. Older ones (every worker was busy that long) go back to the
    /// queue; their lease is not renewed here, so they are never worked on past it.
    /// </summary>
    (List<InboxItem>? Ready, List<InboxItem>? Stale) TakeAhead(int max, TimeSpan lease)
    {
        if (_ahead.IsEmpty) return (null, null);
        var now = Now();
        List<InboxItem>? ready = null;
        List<InboxItem>? stale = null;
        while ((ready?.Count ?? 0) < max && _ahead.TryDequeue(out var ahead))
        {
            if (now - ahead.LeasedAt < Math.Min(ahead.Lease, (long)lease.TotalMilliseconds) / 3) (ready ??= []).Add(ahead.Item);
            else (stale ??= []).Add(ahead.Item);
        }
        if (stale is not null && ready is not null)
        {
            // Not handed out after all: these go back to the queue with the stale ones, and the claim takes afresh.
            stale.AddRange(ready);
            ready = null;
        }
        return (ready, stale);
    }

    /// <summary>
    /// Items claimed ahead and not handed out back to pending, due as they were, attempts unchanged: nothing was
    /// done with them. Only those still under this store's lease (by token).
    /// </summary>
    async Task ReleaseAsync(IReadOnlyList<InboxItem> items)
    {
        foreach (var item in items) _claimedDeliveries.TryRemove(item.Id, out _);
        try
        {
            await ExecuteAsync("""
                UPDATE inbox_items i SET state = 'pending', lease_until = NULL, lease_token = NULL, lease_owner = NULL, updated_at = @now
                FROM unnest(@ids, @tokens) AS r(id, token)
                WHERE i.id = r.id AND i.state = 'inflight' AND i.lease_token = r.token
                """, CancellationToken.None, ("ids", items.Select(i => i.Id).ToArray()), ("tokens", items.Select(i => i.LeaseToken).ToArray()),
                ("now", Now()));
        }
        catch (Exception ex)
        {
            // Their leases run out, or the owner check finds them once this store is gone: claimed again then.
            LogReleaseFailed(_logger, items.Count, ex.Message);
        }
    }

    /// <summary>1 when the last item claimed ahead was taken: the next round refills, even without a request.</summary>
    int _refillAsked;

    /// <summary>One claim for every request queued so far, then the next round, until no request or refill waits.</summary>
    async Task ClaimRoundsAsync()
    {
        while (true)
        {
            var batch = new List<ClaimRequest>();
            while (_claimRequests.TryDequeue(out var queued)) batch.Add(queued);
            var refill = Interlocked.Exchange(ref _refillAsked, 0) == 1;
            if (batch.Count == 0 && !refill)
            {
                if (_claimRounds.TryStop(() => _claimRequests.IsEmpty && Volatile.Read(ref _refillAsked) == 0)) return;
                continue;
            }
            // Items kept by a refill that ran since these requests were queued are theirs first.
            for (var i = 0; i < batch.Count && !_ahead.IsEmpty; i++)
            {
                var (ready, stale) = TakeAhead(batch[i].Max, batch[i].Lease);
                if (stale is not null) await ReleaseAsync(stale);
                if (ready is null) continue;
                batch[i].Done.TrySetResult(ready);
                batch.RemoveAt(i--);
            }
            // The round claims for the requests and, when nothing is kept, for the next ones.
            var ahead = _ahead.IsEmpty && !_stopping.IsCancellationRequested ? _aheadSize : 0;
            var asked = batch.Sum(r => r.Max);
            if (asked + ahead == 0) continue;
            try
            {
                var lease = batch.Count > 0 ? batch.Max(r => r.Lease) : TimeSpan.FromTicks(Volatile.Read(ref _aheadLeaseTicks));
                var leasedAt = Now();
                var items = await ClaimForAllAsync(asked + ahead, lease, _stopping.Token);
                if (ahead > 0) _aheadSize = NextAheadSize(_options, _aheadSize, asked + ahead, items.Count);
                // As many as asked: there may be more, so one more idle worker here claims too (and wakes the next
                // if it also gets its fill). A notification wakes only one (ListenAsync): without this the rest of
                // a storm would wait for the workers' poll, and with every worker woken per notification most of
                // them came back empty. Items kept ahead wake one too: an idle worker takes them.
                if ((items.Count >= asked + ahead && items.Count > 0) || items.Count > asked) _doorbell?.Ring();
                var next = 0;
                foreach (var request in batch)
                {
                    var take = Math.Min(request.Max, items.Count - next);
                    request.Done.TrySetResult(take > 0 ? items.Skip(next).Take(take).ToList() : []);
                    next += Math.Max(take, 0);
                }
                for (; next < items.Count; next++) _ahead.Enqueue((items[next], leasedAt, (long)lease.TotalMilliseconds));
            }
            catch (Exception ex)
            {
                foreach (var request in batch) request.Done.TrySetException(ex);
            }
        }
    }

    /// <summary>
    /// What the next claim takes ahead, from what the last one asked for and got: twice as many after a full claim
    /// (a backlog: the claims' fixed cost, most of the server's work for a claim of a few items, is shared by more
    /// items), up to Inbox:MaxClaimAhead; as many after one that got at least half (under a backlog, other replicas'
    /// claims running at the same moment take some of the candidates); back to Inbox:ClaimAhead after one that got
    /// less (the backlog is gone), so a replica holds many items ahead only while there are enough for every replica.
    /// </summary>
    internal static int NextAheadSize(InboxOptions options, int current, int asked, int got) =>
        got >= asked ? Math.Min(Math.Max(current * 2, options.ClaimAhead), Math.Max(options.MaxClaimAhead, options.ClaimAhead))
        : got * 2 >= asked ? current
        : options.ClaimAhead;

    /// <summary>Items the next refill claims ahead: Inbox:ClaimAhead, grown under a backlog (<see cref="NextAheadSize"/>).</summary>
    int _aheadSize;

    /// <summary>
    /// Nothing to claim while the database is unavailable: the workers wait as on an empty queue instead of logging
    /// a failure every poll; the outage is logged once here and shows on /readyz until it ends.
    /// </summary>
    async Task<IReadOnlyList<InboxItem>> ClaimForAllAsync(int max, TimeSpan lease, CancellationToken cancellationToken)
    {
        try
        {
            var items = await ClaimOrFailAsync(max, lease, cancellationToken);
            _outageLogged = false;
            return items;
        }
        catch (Exception ex) when (IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            if (!_outageLogged) LogClaimsPaused(_logger, ex.Message);
            _outageLogged = true;
            return [];
        }
    }

    volatile bool _outageLogged;

    /// <summary>
    /// The claim's first statement: the candidates, ranked, and
    /// their alerts' locks taken without waiting, in rank order and only as many as wanted (a few spare for those the
    /// check turns down): an alert another replica or worker is claiming or inserting right now is passed over for the
    /// next, so concurrent claims take different alerts instead of all failing on the first ones. The locks hold to
    /// the end of the transaction. The candidates whose alerts it locked are left for the second statement in a
    /// transaction-local setting, in rank order. Candidates are due items (pending and due, or in flight with an
    /// expired lease) that are their alert's next (see <see cref="IsNext"/>), among the rows of the window
    /// (<see cref="WindowCte"/>); ranked expired leases first, then the routes with the fewest live leases (across
    /// all replicas), then due order. The ordered subquery is not flattened and the volatile lock call not
    /// pushed into it, so the LIMIT stops at the first locks taken in rank order.
    /// </summary>
    static readonly string LockCandidatesSql = $"""
        WITH RECURSIVE {WindowCte}
        busy AS MATERIALIZED (
            SELECT route, count(*) AS n FROM inbox_items WHERE state = 'inflight' AND lease_until > @now GROUP BY route),
        cand AS MATERIALIZED (
            SELECT s.id, s.alert_lock, row_number() OVER (ORDER BY s.expired DESC, coalesce(b.n, 0), s.due, s.id) AS rank
            -- The window's rows as it read them, materialized once: due, and each its alert's next, on this
            -- statement's snapshot. Not read again by primary key (half the statement's buffer reads at 3
            -- replicas), and never joined to inbox_items: as a join, a planner with stale statistics (a storm just
            -- queued, not analyzed yet) re-ran the window for every open item (19 ms instead of 1).
            FROM seen s LEFT JOIN busy b ON b.route = s.route
            ORDER BY rank LIMIT @limit),
        locked AS MATERIALIZED (
            SELECT o.l FROM (SELECT alert_lock AS l, min(rank) AS first FROM cand GROUP BY alert_lock ORDER BY first) o
            WHERE pg_try_advisory_xact_lock({PostgresSchema.LockClass}, o.l) LIMIT @want)
        SELECT set_config('{ClaimSetting}', coalesce(string_agg(c.id::text, ',' ORDER BY c.rank), ''), true)
        FROM cand c WHERE c.alert_lock IN (SELECT l FROM locked)
        """;

    /// <summary>Where the first statement of a claim leaves its candidates for the second (transaction-local).</summary>
    const string ClaimSetting = "crashloop_webhook.claim";

    /// <summary>The second statement's view of <see cref="ClaimSetting"/>: the candidates' ids in rank order.</summary>
    const string ClaimedIds = $"coalesce(string_to_array(nullif(current_setting('{ClaimSetting}', true), ''), ',')::bigint[], '{{}}'::bigint[])";

    /// <summary>
    /// The claim's second statement, on a snapshot taken under the alerts' locks: every claim of these alerts by
    /// another replica has committed by now, so "its alert's next" is true, not a guess. Rows another transaction is
    /// changing are skipped. The first <c>@max</c> are leased (a fresh random lease token each), and returned with
    /// the destinations they were already delivered to; "superseded" candidates, and the pending firings that a
    /// leased resolved supersedes (they are why it could be claimed at all), are marked so.
    /// Every row it locks or changes is found by primary key, and no condition on a row it reads that way implies
    /// a partial index's predicate (its state is checked once the row is locked, and a locked row keeps it): the
    /// plan is generic (planned once per connection), and one made while a storm's first items came in, with the
    /// table's statistics of a nearly empty table, scanned the whole open-items index for each item it leased
    /// and every pending item twice for the supersede steps (at 3 replicas, 1,500 pending: 5-50 ms a claim).
    /// </summary>
    static readonly string LeaseSql = $"""
        WITH locked AS MATERIALIZED (
            SELECT c.id, c.state, c.next_attempt_at, c.lease_until, c.resolved, c.route, c.fingerprint, c.starts_at
            FROM inbox_items c WHERE c.id = ANY({ClaimedIds})
            FOR UPDATE OF c SKIP LOCKED),
        verified AS MATERIALIZED (
            SELECT c.id, c.resolved, c.route, c.fingerprint, c.starts_at, array_position({ClaimedIds}, c.id) AS rank,
                   c.state = 'pending' AND NOT c.resolved AND EXISTS (
                       SELECT 1 FROM inbox_items r
                       WHERE r.route = c.route AND r.fingerprint = c.fingerprint AND r.id > c.id AND r.resolved
                         AND r.starts_at = c.starts_at AND r.state IN ('pending', 'inflight')) AS superseded
            FROM locked c
            WHERE ((c.state = 'pending' AND c.next_attempt_at <= @now) OR (c.state = 'inflight' AND c.lease_until <= @now))
              AND {IsNext("c")}),
        chosen AS MATERIALIZED (SELECT id, resolved, route, fingerprint, starts_at, rank FROM verified WHERE NOT superseded ORDER BY rank LIMIT @max),
        leased AS (
            UPDATE inbox_items i SET state = 'inflight', lease_until = @until, lease_token = 1 + floor(random() * 9.2e18)::bigint,
                lease_owner = @owner, updated_at = @now
            WHERE i.id = ANY(ARRAY(SELECT id FROM chosen))
            RETURNING i.id, i.key, i.alert, i.attempts, i.trace_parent, coalesce(i.requeued_at, i.created_at) AS queued, i.lease_token,
                (SELECT array_agg(d.destination) FROM inbox_deliveries d WHERE d.item_id = i.id) AS delivered),
        turned_down AS (
            UPDATE inbox_items s SET state = 'superseded', updated_at = @now, last_error = @reason
            WHERE s.id = ANY(ARRAY(SELECT id FROM verified WHERE superseded))),
        overtaken AS (
            -- Found pending on this statement's snapshot and not checked again by the update: an alert's pending
            -- items change state only under its lock (a claim's, a re-queue's), which this claim holds.
            UPDATE inbox_items f SET state = 'superseded', updated_at = @now, last_error = @reason
            WHERE f.id = ANY(ARRAY(
                SELECT e.id FROM chosen r CROSS JOIN LATERAL (
                    -- Pending written as open and not in flight: "= 'pending'" let a plan read the route's
                    -- pending items by due time (all of a storm) instead of probing the alert's own.
                    SELECT e.id FROM inbox_items e
                    WHERE e.route = r.route AND e.fingerprint = r.fingerprint AND e.id < r.id
                      AND e.state IN ('pending', 'inflight') AND e.state <> 'inflight'
                      AND NOT e.resolved AND e.starts_at = r.starts_at
                    OFFSET 0) e
                WHERE r.resolved)))
        SELECT l.id, l.key, l.alert, l.attempts, l.trace_parent, l.queued, l.lease_token, c.rank, l.delivered
        FROM leased l JOIN chosen c ON c.id = l.id ORDER BY c.rank
        """;

    /// <summary>
    /// A claim is one transaction of two statements, sent together in one round trip (the server commits after the second): the first
    /// finds the candidates and takes their alerts' locks (<see cref="LockCandidatesSql"/>), the second checks them
    /// again on a snapshot taken under those locks and leases them (<see cref="LeaseSql"/>).
    /// </summary>
    async Task<IReadOnlyList<InboxItem>> ClaimOrFailAsync(int max, TimeSpan lease, CancellationToken cancellationToken)
    {
        await ReadyAsync(cancellationToken);
        var now = Now();
        if (now >= Interlocked.Read(ref _nextOwnerCheck))
        {
            Interlocked.Exchange(ref _nextOwnerCheck, now + (long)OwnerCheckInterval.TotalMilliseconds);
            await RecoverInFlightAsync(cancellationToken);
        }
        await using var connection = await _claimsDataSource.OpenConnectionAsync(cancellationToken);
        // No BEGIN and COMMIT: the statements of a batch run in one implicit transaction, committed by the server
        // after the last (at the batch's one Sync), so the alerts' locks and the candidates' setting hold from the
        // first statement to the second as in an explicit one, and a failure of either rolls back both. One round
        // trip per claim instead of two, and two statements fewer.
        await using var batch = new NpgsqlBatch(connection);
        // A claim lost with the last moments before a database crash is an item still pending: it is claimed again.
        // Not waiting for the WAL's flush saves a disk sync per item (what is acknowledged, the intake, still waits).
        // The claim's statements are planned once per connection (their generic plan, which the server picks for
        // them anyway after five custom ones): each pooled connection re-planned them five times first, and
        // planning the first costs more than running it. No sequential scans: a claim reads a few rows by index,
        // and its generic plan may be made while the table's statistics are those of a nearly empty table, where a
        // scan of the table looks as cheap as an index probe (and the plan is kept until the statistics change).
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "SELECT set_config('synchronous_commit', 'off', true), set_config('plan_cache_mode', 'force_generic_plan', true), set_config('enable_seqscan', 'off', true)"));
        var locks = new NpgsqlBatchCommand(LockCandidatesSql);
        // A few more than asked: some may be locked by another replica's claim, or superseded.
        locks.Parameters.AddWithValue("now", now);
        locks.Parameters.AddWithValue("limit", max * 2 + 16);
        locks.Parameters.AddWithValue("want", max + 2 + max / 4);
        batch.BatchCommands.Add(locks);
        var leaseCommand = new NpgsqlBatchCommand(LeaseSql);
        leaseCommand.Parameters.AddWithValue("now", now);
        leaseCommand.Parameters.AddWithValue("max", max);
        leaseCommand.Parameters.AddWithValue("until", now + (long)lease.TotalMilliseconds);
        leaseCommand.Parameters.AddWithValue("owner", OwnerId);
        leaseCommand.Parameters.AddWithValue("reason", Superseded);
        batch.BatchCommands.Add(leaseCommand);

        var items = new List<InboxItem>(max);
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            // The settings' and the first statement's results are not needed: only the leased rows.
            await reader.NextResultAsync(cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var alert = JsonSerializer.Deserialize(reader.GetString(2), AlertsJsonContext.Default.AlertContext)!;
                var item = new InboxItem(reader.GetInt64(0), reader.GetString(1), alert, reader.GetInt32(3), reader.IsDBNull(4) ? null : reader.GetString(4))
                {
                    LeaseToken = reader.GetInt64(6),
                    QueuedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                };
                items.Add(item);
                _claimedDeliveries[item.Id] = reader.IsDBNull(8) ? [] : new HashSet<string>(reader.GetFieldValue<string[]>(8), StringComparer.Ordinal);
            }
        }
        return items;
    }

    /// <summary>
    /// The destinations each claimed item was already delivered to, read by its claim: the worker asks for them
    /// first thing, and this saves it a round trip. Taken on that first read; any other change of the item drops it.
    /// </summary>
    readonly System.Collections.Concurrent.ConcurrentDictionary<long, IReadOnlySet<string>> _claimedDeliveries = new();

    public async Task<bool> RenewLeaseAsync(InboxItem item, TimeSpan lease, CancellationToken cancellationToken) =>
        await ExecuteAsync("UPDATE inbox_items SET lease_until = @until WHERE id = @id AND state = 'inflight' AND lease_token = @token",
            cancellationToken, ("id", item.Id), ("token", item.LeaseToken), ("until", Now() + (long)lease.TotalMilliseconds)) == 1;

    /// <summary>
    /// Several replicas share the table, so only the items whose owner no longer holds its lock go back: claims of a
    /// replica that stopped, or died (its session ends with it). A live replica's claims stay with it. Also run
    /// by claims every <see cref="OwnerCheckInterval"/>, so a dead replica's items need not wait for their leases.
    /// Returns 0 while the database is unreachable rather than failing the caller's start: the claims retry it.
    /// </summary>
    public async Task<int> RecoverInFlightAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ReadyAsync(cancellationToken);
            return await ExecuteAsync($"""
                UPDATE inbox_items SET state = 'pending', lease_until = NULL, lease_token = NULL, lease_owner = NULL, updated_at = @now
                WHERE state = 'inflight' AND lease_owner IS DISTINCT FROM @owner AND NOT EXISTS (
                    SELECT 1 FROM pg_locks k
                    WHERE k.locktype = 'advisory' AND k.granted AND k.classid::bigint = {OwnerClass} AND k.objsubid = 2
                      AND k.objid::bigint = inbox_items.lease_owner
                      AND k.database = (SELECT oid FROM pg_database WHERE datname = current_database()))
                """, cancellationToken, ("now", Now()), ("owner", OwnerId));
        }
        catch (Exception ex) when (IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            LogRecoveryDeferred(_logger, ex.Message);
            return 0;
        }
    }

    public Task MarkDeliveredToAsync(long itemId, string destination, CancellationToken cancellationToken)
    {
        _claimedDeliveries.TryRemove(itemId, out _);
        return ExecuteAsync("INSERT INTO inbox_deliveries(item_id, destination, delivered_at) VALUES (@id, @d, @now) ON CONFLICT DO NOTHING",
            cancellationToken, ("id", itemId), ("d", destination), ("now", Now()));
    }

    /// <summary>
    /// Joins the next completion round of this replica (<see cref="CompletionRoundsAsync"/>) and answers once its
    /// commit is durable. Not cancelled: a delivery that happened is recorded.
    /// </summary>
    public Task<bool> CompleteAsync(InboxItem item, string? lastDestination, CancellationToken cancellationToken)
    {
        _claimedDeliveries.TryRemove(item.Id, out _);
        var completion = new Completion(item.Id, item.LeaseToken, lastDestination);
        _completions.Enqueue(completion);
        _completionRounds.Start();
        return completion.Done.Task;
    }

    sealed record Completion(long Id, long Token, string? Destination)
    {
        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    readonly System.Collections.Concurrent.ConcurrentQueue<Completion> _completions = new();

    /// <summary>
    /// Group commit of the replica's completions: every completion queued while the previous round's commit was
    /// on its way goes in the next round, one statement and one durable commit for all. A commit's fixed cost (the
    /// transaction, the WAL flush, the round trip) was most of the server's work for a completion, and the workers,
    /// fed by shared claims, finish at about the same moments. Nobody waits for a group to fill: a completion that
    /// finds no round running starts one at once.
    /// </summary>
    async Task CompletionRoundsAsync()
    {
        while (true)
        {
            var group = new List<Completion>();
            while (group.Count < MaxCompletionGroup && _completions.TryDequeue(out var queued)) group.Add(queued);
            if (group.Count == 0)
            {
                if (_completionRounds.TryStop(() => _completions.IsEmpty)) return;
                continue;
            }
            try
            {
                var completed = await CompleteGroupAsync(group);
                foreach (var completion in group) completion.Done.TrySetResult(completed.Contains((completion.Id, completion.Token)));
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DeadlockDetected && group.Count > 1)
            {
                // Two replicas completing the same items (a lease ran out under a slow worker and another replica
                // took it) in opposite orders: one by one, a completion holds one item's locks at a time.
                foreach (var completion in group)
                {
                    try { completion.Done.TrySetResult((await CompleteGroupAsync([completion])).Count == 1); }
                    catch (Exception one) { completion.Done.TrySetException(IsUnavailable(one) ? Unavailable(one) : one); }
                }
            }
            catch (Exception ex)
            {
                var failure = IsUnavailable(ex) ? Unavailable(ex) : ex;
                foreach (var completion in group) completion.Done.TrySetException(failure);
            }
        }
    }

    /// <summary>A round's bound, so one statement's arrays stay small whatever the backlog of completions.</summary>
    const int MaxCompletionGroup = 64;

    /// <summary>
    /// One statement per item, so each delivery and its item's state change commit together; the group's statements
    /// in one round trip and one implicit transaction (one commit), in ascending ids so two rounds that share items
    /// lock them in the same order. Each statement finds its row by primary key, as a single completion did: a
    /// statement over the whole group (arrays joined to the table) got a plan cached on a connection while the
    /// table was nearly empty, and scanned it. Returns the (item, lease token) pairs whose claim was still theirs,
    /// now delivered. The last destination's delivery is written only for an item whose claim someone else holds
    /// now: it happened, and nobody may post it again. A delivered item is never worked on again (a re-queue takes
    /// failed and dead ones), so its row would be read by nobody: not writing it saves an insert and its WAL per alert.
    /// </summary>
    async Task<HashSet<(long Id, long Token)>> CompleteGroupAsync(IReadOnlyList<Completion> group)
    {
        const string Sql = """
            WITH completed AS (
                UPDATE inbox_items SET state = 'delivered', attempts = attempts + 1, updated_at = @now, last_error = NULL,
                    lease_until = NULL, lease_token = NULL, lease_owner = NULL
                WHERE id = @id AND state = 'inflight' AND lease_token = @token
                RETURNING id),
            delivery AS (
                INSERT INTO inbox_deliveries(item_id, destination, delivered_at)
                SELECT @id, @d, @now WHERE @d IS NOT NULL AND NOT EXISTS (SELECT 1 FROM completed)
                ON CONFLICT DO NOTHING)
            SELECT count(*)::integer FROM completed
            """;
        await ReadyAsync(CancellationToken.None);
        await using var connection = await _completionsDataSource.OpenConnectionAsync();
        await using var batch = new NpgsqlBatch(connection);
        var ordered = group.OrderBy(c => c.Id).ToArray();
        var now = Now();
        foreach (var completion in ordered)
        {
            var command = new NpgsqlBatchCommand(Sql);
            command.Parameters.AddWithValue("id", completion.Id);
            command.Parameters.AddWithValue("token", completion.Token);
            command.Parameters.AddWithValue("now", now);
            command.Parameters.Add(new NpgsqlParameter("d", NpgsqlDbType.Text) { Value = (object?)completion.Destination ?? DBNull.Value });
            batch.BatchCommands.Add(command);
        }
        var completed = new HashSet<(long Id, long Token)>();
        await using var reader = await batch.ExecuteReaderAsync();
        foreach (var completion in ordered)
        {
            await reader.ReadAsync();
            if (reader.GetInt32(0) == 1) completed.Add((completion.Id, completion.Token));
            await reader.NextResultAsync();
        }
        // The implicit transaction commits once the batch's results are read to the end.
        while (await reader.NextResultAsync()) { }
        return completed;
    }

    public async Task<bool> RetryLaterAsync(InboxItem item, DateTimeOffset nextAttemptAt, string reason, CancellationToken cancellationToken, bool countAttempt = true)
    {
        _claimedDeliveries.TryRemove(item.Id, out _);
        return await ExecuteAsync($"""
            UPDATE inbox_items SET state = 'pending', attempts = attempts + {(countAttempt ? 1 : 0)}, next_attempt_at = @next, updated_at = @now, last_error = @error,
                lease_until = NULL, lease_token = NULL, lease_owner = NULL
            WHERE id = @id AND state = 'inflight' AND lease_token = @token
            """, cancellationToken, ("id", item.Id), ("token", item.LeaseToken), ("next", nextAttemptAt.ToUnixTimeMilliseconds()),
            ("now", Now()), ("error", reason)) == 1;
    }

    public async Task<bool> GiveUpAsync(InboxItem item, string state, string reason, CancellationToken cancellationToken)
    {
        if (state is not (InboxStates.Failed or InboxStates.Dead))
            throw new ArgumentOutOfRangeException(nameof(state), state, "an item gives up as failed or dead");
        _claimedDeliveries.TryRemove(item.Id, out _);
        return await ExecuteAsync("""
            UPDATE inbox_items SET state = @state, attempts = attempts + 1, updated_at = @now, last_error = @error,
                lease_until = NULL, lease_token = NULL, lease_owner = NULL
            WHERE id = @id AND state = 'inflight' AND lease_token = @token
            """, cancellationToken, ("id", item.Id), ("token", item.LeaseToken), ("state", state), ("now", Now()), ("error", reason)) == 1;
    }

    public async Task<RequeueResult> RequeueAsync(long itemId, CancellationToken cancellationToken)
    {
        await ReadyAsync(cancellationToken);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Under its alert's lock, shared as an insert's: the item reopens, and no claim of its alert may decide on a view without it.
        await using (var lockCommand = new NpgsqlCommand(
            $"SELECT count(pg_advisory_xact_lock_shared({PostgresSchema.LockClass}, alert_lock)) FROM inbox_items WHERE id = @id", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue("id", itemId);
            if (Convert.ToInt64(await lockCommand.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 0)
                return RequeueResult.NotFound;
        }
        await using var command = new NpgsqlCommand("""
            UPDATE inbox_items SET state = 'pending', attempts = 0, next_attempt_at = @now, requeued_at = @now, updated_at = @now
            WHERE id = @id AND state IN ('failed', 'dead')
            """, connection, transaction);
        command.Parameters.AddWithValue("id", itemId);
        command.Parameters.AddWithValue("now", Now());
        var requeued = await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return requeued > 0 ? RequeueResult.Requeued : RequeueResult.NotFailed;
    }

    /// <summary>
    /// A repeat of a purged item's key after that is new again (the unique key is gone with the row). Returns 0
    /// while the database is unavailable: the next hourly pass purges what this one could not.
    /// </summary>
    public async Task<int> PurgeAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await PurgeOrFailAsync(cancellationToken);
        }
        catch (Exception ex) when (IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            LogPurgeDeferred(_logger, ex.Message);
            return 0;
        }
    }

    async Task<int> PurgeOrFailAsync(CancellationToken cancellationToken)
    {
        var now = Now();
        await ReadyAsync(cancellationToken);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            WITH gone AS (
                DELETE FROM inbox_items
                WHERE (state IN ('delivered', 'superseded') AND updated_at < @done) OR (state IN ('failed', 'dead') AND updated_at < @failed)
                RETURNING id),
            deliveries AS (DELETE FROM inbox_deliveries WHERE item_id IN (SELECT id FROM gone))
            SELECT count(*) FROM gone
            """, connection);
        command.Parameters.AddWithValue("done", now - (long)_options.Retention.TotalMilliseconds);
        command.Parameters.AddWithValue("failed", now - (long)_options.FailedRetention.TotalMilliseconds);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// One statement on a pooled connection; values are parameters (an NpgsqlParameter as is, for a typed null).
    /// An unavailable database is an <see cref="InboxUnavailableException"/>, which the worker expects in an outage.
    /// </summary>
    async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        try
        {
            return await ExecuteOrFailAsync(sql, cancellationToken, parameters);
        }
        catch (Exception ex) when (IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            throw Unavailable(ex);
        }
    }

    async Task<int> ExecuteOrFailAsync(string sql, CancellationToken cancellationToken, (string Name, object Value)[] parameters)
    {
        await ReadyAsync(cancellationToken);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            if (value is NpgsqlParameter parameter)
            {
                parameter.ParameterName = name;
                command.Parameters.Add(parameter);
            }
            else command.Parameters.AddWithValue(name, value);
        }
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(EventId = 234, Level = LogLevel.Warning, Message = "Inbox: {Count} item(s) claimed ahead not given back now ({Reason}); claimed again when their lease runs out")]
    static partial void LogReleaseFailed(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 233, Level = LogLevel.Warning, Message = "Inbox: purge skipped, the database is unavailable ({Reason})")]
    static partial void LogPurgeDeferred(ILogger logger, string reason);

    [LoggerMessage(EventId = 232, Level = LogLevel.Warning, Message = "Inbox: no claims while the database is unavailable ({Reason}); waiting for it")]
    static partial void LogClaimsPaused(ILogger logger, string reason);

    [LoggerMessage(EventId = 230, Level = LogLevel.Warning, Message = "Inbox: in-flight items of stopped replicas not recovered now (the database is unavailable: {Reason}); the claims try again")]
    static partial void LogRecoveryDeferred(ILogger logger, string reason);
}
