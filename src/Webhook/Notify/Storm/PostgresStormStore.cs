using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;
using Webhook.Storage;

namespace Webhook.Notify.Storm;

/// <summary>
/// The pods held for digests in the shared PostgreSQL database (Inbox:Provider=postgres; table storm_entries,
/// migration 3 of the inbox's schema). A pod is held once per destination across replicas: the primary key with
/// <c>INSERT … ON CONFLICT DO NOTHING</c> decides which offer wins. Each pod is marked with the replica that holds
/// its batch in memory (<see cref="IPostgresDatabase.OwnerId"/>), and <see cref="PendingAsync"/>, which a storm gate
/// calls at its start, takes over only batches whose replica is gone: a replica starting during a rollout does not
/// post again what a running one is about to post. Times are the caller's (the service's clock).
/// </summary>
public sealed class PostgresStormStore(IPostgresDatabase database) : IStormStore
{

    public async Task<bool> AddAsync(string destination, StormBatchInfo batch, StormEntry entry, DateTimeOffset addedAt, CancellationToken cancellationToken)
    {
        await using var command = (await database.ReadyAsync(cancellationToken)).CreateCommand("""
            INSERT INTO storm_entries(destination, idempotency_key, batch_id, batch_key, expected, entry_json, added_at, owner)
            VALUES (@d, @i, @b, @k, @e, @j, @a, @owner)
            ON CONFLICT (destination, idempotency_key) DO NOTHING
            """);
        command.Parameters.AddWithValue("d", destination);
        command.Parameters.AddWithValue("i", entry.IdempotencyKey);
        command.Parameters.AddWithValue("b", batch.Id);
        command.Parameters.AddWithValue("k", batch.Key);
        command.Parameters.AddWithValue("e", batch.Expected);
        command.Parameters.AddWithValue("j", JsonSerializer.Serialize(entry, NotifyJsonContext.Default.StormEntry));
        command.Parameters.AddWithValue("a", addedAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("owner", database.OwnerId);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// The destination's batches of this replica and of replicas that are gone, the latter taken over (marked as
    /// this replica's) in the same transaction. Replicas starting together take turns per destination (a
    /// transaction-scoped advisory lock), so a batch is taken over by one of them, whole.
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
            WITH taken AS (
                UPDATE storm_entries s SET owner = @owner
                WHERE s.destination = @d AND (s.owner = @owner OR NOT {database.OwnerAlive("s.owner")})
                RETURNING batch_id, batch_key, expected, entry_json, added_at, seq)
            SELECT batch_id, batch_key, expected, entry_json, added_at FROM taken ORDER BY added_at, seq
            """, connection, transaction))
        {
            take.Parameters.AddWithValue("d", destination);
            take.Parameters.AddWithValue("owner", database.OwnerId);
            await using var reader = await take.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                rows.Add((new StormBatchInfo(reader.GetString(0), reader.GetString(1), reader.GetInt32(2)),
                    JsonSerializer.Deserialize(reader.GetString(3), NotifyJsonContext.Default.StormEntry)!,
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
        }
        await transaction.CommitAsync(cancellationToken);
        return rows.GroupBy(r => r.Batch.Id)
            .Select(g => new PendingStormBatch(g.First().Batch, g.Select(r => r.Entry).ToList(), g.Min(r => r.Added)))
            .ToList();
    }

    public async Task RemoveAsync(string destination, string batchId, CancellationToken cancellationToken)
    {
        await using var command = (await database.ReadyAsync(cancellationToken)).CreateCommand(
            "DELETE FROM storm_entries WHERE destination = @d AND batch_id = @b");
        command.Parameters.AddWithValue("d", destination);
        command.Parameters.AddWithValue("b", batchId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
