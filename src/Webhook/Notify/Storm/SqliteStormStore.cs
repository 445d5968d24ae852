using System.Globalization;
using System.Text.Json;
using Webhook.Storage;

namespace Webhook.Notify.Storm;

/// <summary>
/// The pods held for digests in the inbox's SQLite file (table storm_entries, as earlier versions made it).
/// Writes take turns at the file's write gate; reads do not wait for it.
/// </summary>
public sealed class SqliteStormStore : IStormStore
{
    readonly ISqliteDatabase _database;
    readonly OnFirstUse _table;

    public SqliteStormStore(ISqliteDatabase database)
    {
        _database = database;
        _table = new OnFirstUse(ct => _database.WriteAsync((connection, token) => SqliteDatabase.ExecuteAsync(connection, """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS storm_entries(
              destination TEXT NOT NULL, idempotency_key TEXT NOT NULL, batch_id TEXT NOT NULL, batch_key TEXT NOT NULL,
              expected INTEGER NOT NULL, entry_json TEXT NOT NULL, added_at TEXT NOT NULL,
              PRIMARY KEY(destination, idempotency_key));
            CREATE INDEX IF NOT EXISTS storm_entries_batch ON storm_entries(destination, batch_id, added_at);
            """, token), ct));
    }

    public bool Shared => false;

    /// <summary>True when this call added the pod; false when it already waits in a digest of this destination.</summary>
    public async Task<bool> AddAsync(string destination, StormBatchInfo batch, StormEntry entry, DateTimeOffset addedAt, CancellationToken cancellationToken)
    {
        await _table.EnsureAsync(cancellationToken);
        // The primary key is (destination, idempotency key): a pod already held is ignored, whichever batch holds it.
        return await _database.WriteAsync((connection, token) => SqliteDatabase.ExecuteAsync(connection,
            "INSERT OR IGNORE INTO storm_entries VALUES($d,$i,$b,$k,$e,$j,$a)", token,
            ("$d", destination), ("$i", entry.IdempotencyKey), ("$b", batch.Id), ("$k", batch.Key), ("$e", batch.Expected),
            ("$j", JsonSerializer.Serialize(entry, StormJsonContext.Default.StormEntry)), ("$a", Stamp(addedAt))), cancellationToken) == 1;
    }

    /// <summary>One process: the gate's proposal is the open batch (the gate keeps one per key), and this adds to it.</summary>
    public async Task<StormJoin> JoinAsync(string destination, StormBatchInfo proposed, StormEntry entry, DateTimeOffset addedAt, CancellationToken cancellationToken)
    {
        var added = await AddAsync(destination, proposed, entry, addedAt, cancellationToken);
        var (count, first, last) = await _database.ReadAsync(async (connection, token) =>
        {
            // On the batch index alone (its rows, not the table's): every pod of a storm asks, while the digests
            // waiting for the chat's pace hold thousands of other pods.
            await using var command = SqliteDatabase.Command(connection,
                "SELECT count(*), min(added_at), max(added_at) FROM storm_entries WHERE destination=$d AND batch_id=$b",
                ("$d", destination), ("$b", proposed.Id));
            await using var reader = await command.ExecuteReaderAsync(token);
            await reader.ReadAsync(token);
            return reader.GetInt32(0) == 0
                ? (0, addedAt, addedAt)
                : (reader.GetInt32(0), DateTimeOffset.Parse(reader.GetString(1), CultureInfo.InvariantCulture), DateTimeOffset.Parse(reader.GetString(2), CultureInfo.InvariantCulture));
        }, cancellationToken);
        return new StormJoin(proposed, added, count, first, last);
    }

    /// <summary>One process: its gate's window is the count.</summary>
    public Task<int> SeenAsync(string destination, string status, string idempotencyKey, DateTimeOffset now, TimeSpan window, CancellationToken cancellationToken) =>
        Task.FromResult(0);

    /// <summary>One process: its gate knows which alerts it holds.</summary>
    public Task<string?> HeldAsync(string destination, string fingerprint, CancellationToken cancellationToken) => Task.FromResult<string?>(null);

    /// <summary>One process, one gate: it claims only what it found due, and no other process could have it.</summary>
    public async Task<StormClaim> ClaimAsync(string destination, string batchId, DateTimeOffset now, StormOptions options, CancellationToken cancellationToken)
    {
        // This batch's pods only: reading (and parsing) every held pod per claim cost a storm of n pods n²/50 reads.
        var batch = (await ReadAsync(destination, batchId, cancellationToken)).FirstOrDefault();
        return batch is null ? new StormClaim.Gone() : new StormClaim.Claimed(batch);
    }

    public Task<IReadOnlyList<PendingStormBatch>> PendingAsync(string destination, CancellationToken cancellationToken) =>
        ReadAsync(destination, batchId: null, cancellationToken);

    async Task<IReadOnlyList<PendingStormBatch>> ReadAsync(string destination, string? batchId, CancellationToken cancellationToken)
    {
        await _table.EnsureAsync(cancellationToken);
        var rows = await _database.ReadAsync(async (connection, token) =>
        {
            // rowid: the order of insertion among pods added at the same instant.
            await using var command = SqliteDatabase.Command(connection, batchId is null
                ? "SELECT batch_id, batch_key, expected, entry_json, added_at FROM storm_entries WHERE destination=$d ORDER BY added_at, rowid"
                : "SELECT batch_id, batch_key, expected, entry_json, added_at FROM storm_entries WHERE destination=$d AND batch_id=$b ORDER BY added_at, rowid",
                ("$d", destination), ("$b", batchId));
            await using var reader = await command.ExecuteReaderAsync(token);
            var list = new List<(StormBatchInfo Batch, StormEntry Entry, DateTimeOffset Added)>();
            while (await reader.ReadAsync(token))
                list.Add((new StormBatchInfo(reader.GetString(0), reader.GetString(1), reader.GetInt32(2)),
                    JsonSerializer.Deserialize(reader.GetString(3), StormJsonContext.Default.StormEntry)!,
                    DateTimeOffset.Parse(reader.GetString(4), CultureInfo.InvariantCulture)));
            return list;
        }, cancellationToken);
        return rows.GroupBy(r => r.Batch.Id)
            .Select(g => new PendingStormBatch(g.First().Batch, g.Select(r => r.Entry).ToList(), g.Min(r => r.Added)))
            .ToList();
    }

    public async Task RemoveAsync(string destination, string batchId, CancellationToken cancellationToken)
    {
        await _table.EnsureAsync(cancellationToken);
        await _database.WriteAsync((connection, token) => SqliteDatabase.ExecuteAsync(connection,
            "DELETE FROM storm_entries WHERE destination=$d AND batch_id=$b", token, ("$d", destination), ("$b", batchId)), cancellationToken);
    }

    /// <summary>Round-trip ("O") in UTC, as earlier versions wrote it: such strings compare in time order.</summary>
    static string Stamp(DateTimeOffset t) => t.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
}
