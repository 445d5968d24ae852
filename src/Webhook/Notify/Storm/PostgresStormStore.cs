using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;
using Webhook.Storage;

namespace Webhook.Notify.Storm;

/// <summary>
/// The storms of all replicas in the shared PostgreSQL database (Inbox:Provider=postgres; migrations 3 and 4 of the
/// inbox's schema). A pod is held once per destination (the primary key of storm_entries, <c>ON CONFLICT DO
/// NOTHING</c>); the window is counted over storm_seen; each destination and batch key has one open row in
/// storm_batches that every replica's pods join, so one storm is one digest whichever replica takes its pods; the
/// replica that finds it due claims it (<c>UPDATE … WHERE state = 'open'</c> under the row's lock: one winner), and
/// a batch whose poster's process is gone (its owner lock, <see cref="IPostgresDatabase.OwnerAlive"/>) is claimed
/// again. Times are the caller's (the service's clock), as Unix milliseconds.
/// </summary>
public sealed class PostgresStormStore(IPostgresDatabase database) : IStormStore, IStormOffers, IStormClaimNotices
{
    public bool Shared => true;

    /// <summary>The channel of "a replica claimed a batch"; its payload is the claimer's owner id, the batch id and the destination.</summary>
    const string Channel = "crashloop_webhook_storm";

    public event Action<string, string>? ClaimedElsewhere;

    int _listening;

    /// <summary>
    /// Listens on <see cref="Channel"/> on a connection of its own until <paramref name="stopping"/>, once per store
    /// (later calls do nothing); after a broken connection (the database restarted) it listens again. A notification
    /// missed meanwhile costs a waiting replica one claim (it asks the store at its next poll, as before).
    /// </summary>
    public void Listen(CancellationToken stopping)
    {
        if (Interlocked.Exchange(ref _listening, 1) == 0) _ = Task.Run(() => ListenAsync(stopping), CancellationToken.None);
    }

    async Task ListenAsync(CancellationToken stopping)
    {
        var retry = TimeSpan.FromSeconds(1);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var dataSource = await database.ReadyAsync(stopping);
                await using var connection = await dataSource.OpenConnectionAsync(stopping);
                connection.Notification += OnNotification;
                try
                {
                    await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                        await listen.ExecuteNonQueryAsync(stopping);
                    retry = TimeSpan.FromSeconds(1);
                    while (true) await connection.WaitAsync(stopping);
                }
                finally
                {
                    connection.Notification -= OnNotification;
                    // A pooled connection (no reset on close): it goes back without the LISTEN.
                    if (connection.FullState == System.Data.ConnectionState.Open)
                    {
                        try
                        {
                            await using var unlisten = new NpgsqlCommand("UNLISTEN *", connection);
                            await unlisten.ExecuteNonQueryAsync(CancellationToken.None);
                        }
                        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
                        {
                            // Broken: the pool drops it.
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                // The database is down or the connection broke: the waiting replicas poll meanwhile.
                try { await Task.Delay(retry, stopping); }
                catch (OperationCanceledException) { return; }
                retry = retry * 2 > TimeSpan.FromSeconds(15) ? TimeSpan.FromSeconds(15) : retry * 2;
            }
        }
    }

    void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        // "<owner> <batch id> <destination>"; this process's own claims are not news to it.
        var parts = e.Payload.Split(' ', 3);
        if (parts.Length == 3 && long.TryParse(parts[0], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var owner)
            && owner != database.OwnerId)
            ClaimedElsewhere?.Invoke(parts[2], parts[1]);
    }

    /// <summary>
    /// One call of storm_offer (migration 7) for the join alone, one transaction: the open batch of the key is found and locked FOR SHARE
    /// (or opened), and the pod is held in it. Joins of every replica go on together; a claim (an UPDATE of the row)
    /// waits for those in progress, so a claimed batch never misses a pod that joined it, and a join after the claim
    /// finds the batch closed and opens another. The count and the last join are counted from the batch's pods.
    /// </summary>
    public async Task<StormJoin> JoinAsync(string destination, StormBatchInfo proposed, StormEntry entry, DateTimeOffset addedAt, CancellationToken cancellationToken)
    {
        await using var command = (await database.ReadyAsync(cancellationToken)).CreateCommand(
            """
            SELECT o_batch, o_expected, o_added, o_pods, o_first, o_last
            FROM storm_offer(@d, NULL, @i, @f, @a, NULL, false, NULL, NULL, true, @k, @b, @fresh, @e, @j, @owner, true, true)
            """);
        command.Parameters.AddWithValue("d", destination);
        command.Parameters.AddWithValue("k", proposed.Key);
        command.Parameters.AddWithValue("b", proposed.Id);
        command.Parameters.AddWithValue("fresh", Guid.NewGuid().ToString("N"));
        command.Parameters.AddWithValue("e", proposed.Expected);
        command.Parameters.AddWithValue("i", entry.IdempotencyKey);
        command.Parameters.AddWithValue("j", JsonSerializer.Serialize(entry, StormJsonContext.Default.StormEntry));
        command.Parameters.AddWithValue("a", addedAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("owner", database.OwnerId);
        command.Parameters.AddWithValue("f", NpgsqlTypes.NpgsqlDbType.Text, (object?)entry.Fingerprint ?? DBNull.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return ReadJoin(reader, 0, proposed.Key);
    }

    static StormJoin ReadJoin(NpgsqlDataReader reader, int at, string key) => new(
        new StormBatchInfo(reader.GetString(at), key, reader.GetInt32(at + 1)), reader.GetBoolean(at + 2), reader.GetInt32(at + 3),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(at + 4)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(at + 5)));

    // Per destination and status, when this process last had the window's expired pods deleted: once a window is
    // often enough (they no longer count, and a pod seen again is noted anew), not on every pod.
    readonly System.Collections.Concurrent.ConcurrentDictionary<(string, string), long> _purgedAt = new();

    /// <summary>
    /// One call of storm_offers (migration 7), one round trip and one transaction for all the pods: per pod, held?, the
    /// window, and the join. The window's expired pods are deleted with the first pod of a status once a window.
    /// </summary>
    public async Task<IReadOnlyList<StormOffer>> OfferAsync(string destination, IReadOnlyList<StormOfferRequest> requests, CancellationToken cancellationToken)
    {
        var count = requests.Count;
        var purge = new bool[count];
        var purging = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var (status, now) = (requests[i].Status, requests[i].Now.ToUnixTimeMilliseconds());
            purge[i] = !purging.ContainsKey(status)
                && (!_purgedAt.TryGetValue((destination, status), out var purgedAt) || now - purgedAt >= (long)requests[i].Window.TotalMilliseconds || now < purgedAt);
            if (purge[i]) purging[status] = now;
        }
        var dataSource = await database.ReadyAsync(cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        // The joins' commit does not wait for the WAL's flush: the pod counts as delivered only once the inbox
        // records it (MarkDeliveredToAsync or CompleteAsync, durable commits on this same server), and a durable
        // commit flushes the WAL up to its own record, past this one's, which came before it. A digest's claim is a
        // durable commit too, before anything is posted. So every join anyone acted on is durable as before, and a
        // join lost with the server's last moments is a pod whose item is still in flight: it is offered again. One
        // WAL flush per storm pod (its completion's) instead of two; set for this transaction only.
        // The function's statements are planned once per connection (their generic plans: index lookups by key):
        // the call's set-based statements on arrays got a custom plan each call, which cost more than running them.
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "SELECT set_config('synchronous_commit', 'off', true), set_config('plan_cache_mode', 'force_generic_plan', true)"));
        var command = new NpgsqlBatchCommand("""
            SELECT r_outcome, r_held, r_batch, r_expected, r_added, r_pods, r_first, r_last
            FROM storm_offers(@d, @s, @i, @f, @a, @since, @purge, @local, @threshold, @big, @k, @b, @fresh, @e, @j, @owner)
            """);
        batch.BatchCommands.Add(command);
        command.Parameters.AddWithValue("d", destination);
        command.Parameters.AddWithValue("s", requests.Select(r => r.Status).ToArray());
        command.Parameters.AddWithValue("i", requests.Select(r => r.IdempotencyKey).ToArray());
        command.Parameters.AddWithValue("f", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text, requests.Select(r => r.Fingerprint).ToArray());
        command.Parameters.AddWithValue("a", requests.Select(r => r.Now.ToUnixTimeMilliseconds()).ToArray());
        command.Parameters.AddWithValue("since", requests.Select(r => (r.Now - r.Window).ToUnixTimeMilliseconds()).ToArray());
        command.Parameters.AddWithValue("purge", purge);
        command.Parameters.AddWithValue("local", requests.Select(r => r.LocalCount).ToArray());
        command.Parameters.AddWithValue("threshold", requests.Select(r => r.Threshold).ToArray());
        command.Parameters.AddWithValue("big", requests.Select(r => r.BigGroup).ToArray());
        command.Parameters.AddWithValue("k", requests.Select(r => r.Proposed.Key).ToArray());
        command.Parameters.AddWithValue("b", requests.Select(r => r.Proposed.Id).ToArray());
        command.Parameters.AddWithValue("fresh", requests.Select(_ => Guid.NewGuid().ToString("N")).ToArray());
        command.Parameters.AddWithValue("e", requests.Select(r => r.Proposed.Expected).ToArray());
        command.Parameters.AddWithValue("j", requests.Select(r => JsonSerializer.Serialize(r.Entry, StormJsonContext.Default.StormEntry)).ToArray());
        command.Parameters.AddWithValue("owner", database.OwnerId);
        var offers = new List<StormOffer>(count);
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var request = requests[offers.Count];
                offers.Add(reader.GetString(0) switch
                {
                    "held" => new StormOffer.Held(reader.GetString(1)),
                    "below" => new StormOffer.Below(),
                    _ => new StormOffer.Joined(ReadJoin(reader, 2, request.Proposed.Key)),
                });
            }
        }
        if (offers.Count != count) throw new InvalidOperationException($"storm_offers answered {offers.Count} of {count} pods");
        foreach (var (status, now) in purging) _purgedAt[(destination, status)] = now;
        return offers;
    }

    /// <summary>
    /// Pods older than the window leave; the pod is noted once (the time it was first seen within the window, as the
    /// gate's own window does); the count is of every replica's pods.
    /// </summary>
    public async Task<int> SeenAsync(string destination, string status, string idempotencyKey, DateTimeOffset now, TimeSpan window, CancellationToken cancellationToken)
    {
        await using var command = (await database.ReadyAsync(cancellationToken)).CreateCommand("""
            DELETE FROM storm_seen WHERE destination = @d AND status = @s AND seen_at < @since;
            INSERT INTO storm_seen(destination, status, idempotency_key, seen_at) VALUES (@d, @s, @i, @now) ON CONFLICT DO NOTHING;
            SELECT count(*) FROM storm_seen WHERE destination = @d AND status = @s AND seen_at >= @since;
            """);
        command.Parameters.AddWithValue("d", destination);
        command.Parameters.AddWithValue("s", status);
        command.Parameters.AddWithValue("i", idempotencyKey);
        command.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("since", (now - window).ToUnixTimeMilliseconds());
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<string?> HeldAsync(string destination, string fingerprint, CancellationToken cancellationToken)
    {
        await using var command = (await database.ReadyAsync(cancellationToken)).CreateCommand(
            "SELECT idempotency_key FROM storm_entries WHERE destination = @d AND fingerprint = @f ORDER BY seq LIMIT 1");
        command.Parameters.AddWithValue("d", destination);
        command.Parameters.AddWithValue("f", fingerprint);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>
    /// One round trip: the claim (due judged on the batch's pods of every replica, counted from storm_entries), then,
    /// in the same implicit transaction, the batch as it is now (for a caller that did not get it) and the entries
    /// of a batch this caller holds for posting. Each statement sees what committed before it started: the claim
    /// waited for the joins in progress, so the entries read after it are all there is (the batch is closed).
    /// </summary>
    public async Task<StormClaim> ClaimAsync(string destination, string batchId, DateTimeOffset now, StormOptions options, CancellationToken cancellationToken)
    {
        var dataSource = await database.ReadyAsync(cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        // Prepared (below) and planned once per connection: a claim runs on the shared pool, a few dozen times per
        // replica in a storm, and was planned anew each time (its plan cost more than running it).
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT set_config('plan_cache_mode', 'force_generic_plan', true)"));
        // The winner tells the other replicas (NOTIFY, sent at its commit): those waiting for the batch stop asking.
        batch.BatchCommands.Add(Command($"""
            WITH claimed AS (
                UPDATE storm_batches b SET state = 'posting', owner = @owner
                FROM (SELECT count(*)::integer AS pods, max(added_at) AS last FROM storm_entries WHERE destination = @d AND batch_id = @b) e
                WHERE b.destination = @d AND b.batch_id = @b AND (
                    (b.state = 'open' AND (e.pods >= b.expected OR greatest(b.last_added, e.last) + @settle <= @now OR b.first_added + @maxHold <= @now))
                    OR (b.state = 'posting' AND (b.owner = @owner OR NOT {database.OwnerAlive("b.owner")})))
                RETURNING b.batch_key, b.expected, b.first_added)
            SELECT c.batch_key, c.expected, c.first_added, pg_notify('{Channel}', @owner::text || ' ' || @b || ' ' || @d) FROM claimed c
            """));
        batch.BatchCommands.Add(Command("""
            SELECT b.state, e.pods, least(greatest(b.last_added, e.last) + @settle, b.first_added + @maxHold)
            FROM storm_batches b, (SELECT count(*)::integer AS pods, max(added_at) AS last FROM storm_entries WHERE destination = @d AND batch_id = @b) e
            WHERE b.destination = @d AND b.batch_id = @b
            """));
        batch.BatchCommands.Add(Command("""
            SELECT e.entry_json FROM storm_entries e
            WHERE e.destination = @d AND e.batch_id = @b
              AND EXISTS (SELECT 1 FROM storm_batches b WHERE b.destination = @d AND b.batch_id = @b AND b.state = 'posting' AND b.owner = @owner)
            ORDER BY e.added_at, e.seq
            """));
        StormBatchInfo? claimed = null;
        long first = 0;
        StormClaim? unclaimed = null;
        var entries = new List<StormEntry>();
        await batch.PrepareAsync(cancellationToken);
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            await reader.NextResultAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
                (claimed, first) = (new StormBatchInfo(batchId, reader.GetString(0), reader.GetInt32(1)), reader.GetInt64(2));
            await reader.NextResultAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken)) unclaimed = new StormClaim.Gone();
            else if (reader.GetString(0) == "open")
                unclaimed = new StormClaim.NotDue(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), reader.GetInt32(1));
            else unclaimed = new StormClaim.Taken();
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                entries.Add(JsonSerializer.Deserialize(reader.GetString(0), StormJsonContext.Default.StormEntry)!);
        }
        if (claimed is null) return unclaimed;
        if (entries.Count == 0)
        {
            await RemoveAsync(destination, batchId, cancellationToken);
            return new StormClaim.Gone();
        }
        return new StormClaim.Claimed(new PendingStormBatch(claimed, entries, DateTimeOffset.FromUnixTimeMilliseconds(first)));

        NpgsqlBatchCommand Command(string sql)
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.AddWithValue("d", destination);
            command.Parameters.AddWithValue("b", batchId);
            command.Parameters.AddWithValue("owner", database.OwnerId);
            command.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("settle", (long)options.Settle.TotalMilliseconds);
            command.Parameters.AddWithValue("maxHold", (long)options.MaxHold.TotalMilliseconds);
            return command;
        }
    }

    /// <summary>
    /// The destination's batches that no running replica looks after, taken over (marked as this replica's) in the
    /// same transaction: open batches none of whose pods a running replica joined, batches whose poster is gone, and
    /// pods an earlier version held without a batch row whose replica is gone. Replicas starting together take turns
    /// per destination (a transaction-scoped advisory lock), so each is taken over by one of them, whole. Who posts
    /// is still decided by <see cref="ClaimAsync"/>.
    /// </summary>
    public async Task<IReadOnlyList<PendingStormBatch>> PendingAsync(string destination, CancellationToken cancellationToken)
    {
        var dataSource = await database.ReadyAsync(cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var turn = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@class, @key)", connection, transaction))
        {
            turn.Parameters.AddWithValue("class", database.LockClass(PostgresLockClass.Storm));
            turn.Parameters.AddWithValue("key", BinaryPrimitives.ReadInt32BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(destination))));
            await turn.ExecuteNonQueryAsync(cancellationToken);
        }
        var rows = new List<(StormBatchInfo Batch, StormEntry Entry, DateTimeOffset Added)>();
        await using (var take = new NpgsqlCommand($"""
            INSERT INTO storm_batches(destination, batch_id, batch_key, expected, pods, first_added, last_added, state, owner)
                SELECT e.destination, e.batch_id, min(e.batch_key), max(e.expected), count(*), min(e.added_at), max(e.added_at), 'posting', @owner
                FROM storm_entries e
                WHERE e.destination = @d AND NOT EXISTS (SELECT 1 FROM storm_batches b WHERE b.destination = e.destination AND b.batch_id = e.batch_id)
                GROUP BY e.destination, e.batch_id
                HAVING bool_and(e.owner = @owner OR NOT {database.OwnerAlive("e.owner")})
            ON CONFLICT DO NOTHING;
            UPDATE storm_batches b SET owner = @owner
            WHERE b.destination = @d AND b.state = 'posting' AND b.owner <> @owner AND NOT {database.OwnerAlive("b.owner")};
            -- Posted by a version-3 replica (which removes only the pods) before it ended: nothing left to post.
            DELETE FROM storm_batches b
            WHERE b.destination = @d AND b.state = 'posting' AND b.owner = @owner
              AND NOT EXISTS (SELECT 1 FROM storm_entries e WHERE e.destination = b.destination AND e.batch_id = b.batch_id);
            WITH mine AS (
                SELECT b.batch_id FROM storm_batches b
                WHERE b.destination = @d AND (
                    (b.state = 'posting' AND b.owner = @owner)
                    OR (b.state = 'open' AND NOT EXISTS (
                        SELECT 1 FROM storm_entries o WHERE o.destination = b.destination AND o.batch_id = b.batch_id
                          AND o.owner <> @owner AND {database.OwnerAlive("o.owner")}))))
            -- Only the pods not yet this replica's are written: the gates ask again every few seconds (orphaned
            -- batches), and rewriting a storm's thousands of pods each time would be churn for nothing.
            , taken AS (
                UPDATE storm_entries s SET owner = @owner FROM mine
                WHERE s.destination = @d AND s.batch_id = mine.batch_id AND s.owner <> @owner)
            SELECT e.batch_id, e.batch_key, e.expected, e.entry_json, e.added_at FROM storm_entries e JOIN mine ON mine.batch_id = e.batch_id
            WHERE e.destination = @d ORDER BY e.added_at, e.seq;
            """, connection, transaction))
        {
            take.Parameters.AddWithValue("d", destination);
            take.Parameters.AddWithValue("owner", database.OwnerId);
            await using var reader = await take.ExecuteReaderAsync(cancellationToken);
            // The result of the last statement (the others return none).
            do
            {
                while (await reader.ReadAsync(cancellationToken))
                    rows.Add((new StormBatchInfo(reader.GetString(0), reader.GetString(1), reader.GetInt32(2)),
                        JsonSerializer.Deserialize(reader.GetString(3), StormJsonContext.Default.StormEntry)!,
                        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
            } while (await reader.NextResultAsync(cancellationToken));
        }
        await transaction.CommitAsync(cancellationToken);
        return rows.GroupBy(r => r.Batch.Id)
            .Select(g => new PendingStormBatch(g.First().Batch, g.Select(r => r.Entry).ToList(), g.Min(r => r.Added)))
            .OrderBy(b => b.FirstAdded)
            .ToList();
    }

    public async Task RemoveAsync(string destination, string batchId, CancellationToken cancellationToken)
    {
        await using var command = (await database.ReadyAsync(cancellationToken)).CreateCommand("""
            DELETE FROM storm_entries WHERE destination = @d AND batch_id = @b;
            DELETE FROM storm_batches WHERE destination = @d AND batch_id = @b;
            """);
        command.Parameters.AddWithValue("d", destination);
        command.Parameters.AddWithValue("b", batchId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
