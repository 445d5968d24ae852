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
public sealed class PostgresStormStore(IPostgresDatabase database) : IStormStore
{
    public bool Shared => true;

    /// <summary>
    /// One transaction: the open batch of the key is found or opened and locked (<c>ON CONFLICT … DO UPDATE</c> on the
    /// partial unique index, which waits for a claim in progress and then opens a new batch if the claim closed it),
    /// the pod is held, the batch's count and last time move. A claim waits for the lock, so a claimed batch never
    /// misses a pod that joined it.
    /// </summary>
    public async Task<StormJoin> JoinAsync(string destination, StormBatchInfo proposed, StormEntry entry, DateTimeOffset addedAt, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await JoinOnceAsync(destination, proposed, entry, addedAt, cancellationToken);
            }
            // Callers opening a batch with the same id at the same moment both pass the open-batch check, and the
            // second meets the first's id in the primary key, not in the arbiter index: tried again, it joins the first's.
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && ex.ConstraintName == "storm_batches_pkey" && attempt < 3)
            {
            }
        }
    }

    /// <summary>
    /// Two statements sent at once, in one transaction: the batch is opened or locked, and then (a statement later,
    /// so it sees that row under its lock) the pod is held in it and counted, or a batch this call opened for a pod
    /// already held elsewhere goes again (it would stay open and empty). No BEGIN and COMMIT: a batch's statements run
    /// in one implicit transaction that the server commits after the last, so the batch row's lock, which the other
    /// replicas' pods of the storm wait for, is held one round trip less.
    /// </summary>
    async Task<StormJoin> JoinOnceAsync(string destination, StormBatchInfo proposed, StormEntry entry, DateTimeOffset addedAt, CancellationToken cancellationToken)
    {
        var at = addedAt.ToUnixTimeMilliseconds();
        var dataSource = await database.ReadyAsync(cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        var open = new NpgsqlBatchCommand("""
            INSERT INTO storm_batches(destination, batch_id, batch_key, expected, pods, first_added, last_added, state)
            -- A proposed id already used (a batch since claimed or removed) opens under a new one.
            VALUES (@d, CASE WHEN EXISTS (SELECT 1 FROM storm_batches WHERE destination = @d AND batch_id = @b) THEN @fresh ELSE @b END,
                    @k, @e, 0, @a, @a, 'open')
            ON CONFLICT (destination, batch_key) WHERE state = 'open' DO UPDATE SET pods = storm_batches.pods
            RETURNING batch_id, expected, pods, first_added, last_added
            """);
        open.Parameters.AddWithValue("d", destination);
        open.Parameters.AddWithValue("b", proposed.Id);
        open.Parameters.AddWithValue("fresh", Guid.NewGuid().ToString("N"));
        open.Parameters.AddWithValue("k", proposed.Key);
        open.Parameters.AddWithValue("e", proposed.Expected);
        open.Parameters.AddWithValue("a", at);
        batch.BatchCommands.Add(open);
        var hold = new NpgsqlBatchCommand("""
            WITH b AS (
                SELECT batch_id, expected FROM storm_batches WHERE destination = @d AND batch_key = @k AND state = 'open'),
            held AS (
                INSERT INTO storm_entries(destination, idempotency_key, batch_id, batch_key, expected, entry_json, added_at, owner, fingerprint)
                SELECT @d, @i, b.batch_id, @k, b.expected, @j, @a, @owner, @f FROM b
                ON CONFLICT (destination, idempotency_key) DO NOTHING
                RETURNING batch_id),
            counted AS (
                UPDATE storm_batches s SET pods = s.pods + 1, last_added = greatest(s.last_added, @a)
                FROM held WHERE s.destination = @d AND s.batch_id = held.batch_id
                RETURNING s.pods, s.first_added, s.last_added),
            emptied AS (
                DELETE FROM storm_batches s USING b
                WHERE s.destination = @d AND s.batch_id = b.batch_id AND s.pods = 0 AND NOT EXISTS (SELECT 1 FROM held))
            SELECT pods, first_added, last_added FROM counted
            """);
        hold.Parameters.AddWithValue("d", destination);
        hold.Parameters.AddWithValue("i", entry.IdempotencyKey);
        hold.Parameters.AddWithValue("k", proposed.Key);
        hold.Parameters.AddWithValue("j", JsonSerializer.Serialize(entry, StormJsonContext.Default.StormEntry));
        hold.Parameters.AddWithValue("a", at);
        hold.Parameters.AddWithValue("owner", database.OwnerId);
        hold.Parameters.AddWithValue("f", NpgsqlTypes.NpgsqlDbType.Text, (object?)entry.Fingerprint ?? DBNull.Value);
        batch.BatchCommands.Add(hold);

        StormBatchInfo joined;
        int pods;
        long first, last;
        var added = false;
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            joined = new StormBatchInfo(reader.GetString(0), proposed.Key, reader.GetInt32(1));
            (pods, first, last) = (reader.GetInt32(2), reader.GetInt64(3), reader.GetInt64(4));
            await reader.NextResultAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                added = true;
                (pods, first, last) = (reader.GetInt32(0), reader.GetInt64(1), reader.GetInt64(2));
            }
        }
        return new StormJoin(joined, added, pods, DateTimeOffset.FromUnixTimeMilliseconds(first), DateTimeOffset.FromUnixTimeMilliseconds(last));
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

    public async Task<StormClaim> ClaimAsync(string destination, string batchId, DateTimeOffset now, StormOptions options, CancellationToken cancellationToken)
    {
        var dataSource = await database.ReadyAsync(cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        StormBatchInfo? claimed = null;
        long first = 0;
        // Due is judged on the row (pods of every replica), not on what the caller saw.
        await using (var claim = new NpgsqlCommand($"""
            UPDATE storm_batches b SET state = 'posting', owner = @owner
            WHERE b.destination = @d AND b.batch_id = @b AND (
                (b.state = 'open' AND (b.pods >= b.expected OR b.last_added + @settle <= @now OR b.first_added + @maxHold <= @now))
                OR (b.state = 'posting' AND (b.owner = @owner OR NOT {database.OwnerAlive("b.owner")})))
            RETURNING batch_key, expected, first_added
            """, connection))
        {
            Parameters(claim);
            await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
                (claimed, first) = (new StormBatchInfo(batchId, reader.GetString(0), reader.GetInt32(1)), reader.GetInt64(2));
        }
        if (claimed is null)
        {
            await using var look = new NpgsqlCommand(
                "SELECT state, pods, least(last_added + @settle, first_added + @maxHold) FROM storm_batches WHERE destination = @d AND batch_id = @b",
                connection);
            Parameters(look);
            await using var reader = await look.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken)) return new StormClaim.Gone();
            return reader.GetString(0) == "open"
                ? new StormClaim.NotDue(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), reader.GetInt32(1))
                : new StormClaim.Taken();
        }
        // Closed now: no pod joins it any more, so its entries are all there is.
        var entries = new List<StormEntry>();
        await using (var read = new NpgsqlCommand(
            "SELECT entry_json FROM storm_entries WHERE destination = @d AND batch_id = @b ORDER BY added_at, seq", connection))
        {
            Parameters(read);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                entries.Add(JsonSerializer.Deserialize(reader.GetString(0), StormJsonContext.Default.StormEntry)!);
        }
        if (entries.Count == 0)
        {
            await RemoveAsync(destination, batchId, cancellationToken);
            return new StormClaim.Gone();
        }
        return new StormClaim.Claimed(new PendingStormBatch(claimed, entries, DateTimeOffset.FromUnixTimeMilliseconds(first)));

        void Parameters(NpgsqlCommand command)
        {
            command.Parameters.AddWithValue("d", destination);
            command.Parameters.AddWithValue("b", batchId);
            command.Parameters.AddWithValue("owner", database.OwnerId);
            command.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("settle", (long)options.Settle.TotalMilliseconds);
            command.Parameters.AddWithValue("maxHold", (long)options.MaxHold.TotalMilliseconds);
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
