using System.Text.Json;
using Npgsql;
using Webhook.Storage;

namespace Webhook.Notify.Storm;

/// <summary>
/// The pods held for digests in the shared PostgreSQL database (Inbox:Provider=postgres; table storm_entries,
/// migration 3 of the inbox's schema). A pod is held once per destination across replicas: the primary key with
/// <c>INSERT … ON CONFLICT DO NOTHING</c> decides which offer wins. Times are the caller's (the service's clock).
/// </summary>
public sealed class PostgresStormStore(IPostgresDatabase database) : IStormStore
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<bool> AddAsync(string destination, StormBatchInfo batch, StormEntry entry, DateTimeOffset addedAt, CancellationToken cancellationToken)
    {
        await using var command = (await database.ReadyAsync(cancellationToken)).CreateCommand("""
            INSERT INTO storm_entries(destination, idempotency_key, batch_id, batch_key, expected, entry_json, added_at)
            VALUES (@d, @i, @b, @k, @e, @j, @a)
            ON CONFLICT (destination, idempotency_key) DO NOTHING
            """);
        command.Parameters.AddWithValue("d", destination);
        command.Parameters.AddWithValue("i", entry.IdempotencyKey);
        command.Parameters.AddWithValue("b", batch.Id);
        command.Parameters.AddWithValue("k", batch.Key);
        command.Parameters.AddWithValue("e", batch.Expected);
        command.Parameters.AddWithValue("j", JsonSerializer.Serialize(entry, Json));
        command.Parameters.AddWithValue("a", addedAt.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<IReadOnlyList<PendingStormBatch>> PendingAsync(string destination, CancellationToken cancellationToken)
    {
        await using var command = (await database.ReadyAsync(cancellationToken)).CreateCommand(
            "SELECT batch_id, batch_key, expected, entry_json, added_at FROM storm_entries WHERE destination = @d ORDER BY added_at, seq");
        command.Parameters.AddWithValue("d", destination);
        var rows = new List<(StormBatchInfo Batch, StormEntry Entry, DateTimeOffset Added)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                rows.Add((new StormBatchInfo(reader.GetString(0), reader.GetString(1), reader.GetInt32(2)),
                    JsonSerializer.Deserialize<StormEntry>(reader.GetString(3), Json)!,
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
        }
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
