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
            """, token), ct));
    }

    public async Task<bool> AddAsync(string destination, StormBatchInfo batch, StormEntry entry, DateTimeOffset addedAt, CancellationToken cancellationToken)
    {
        await _table.EnsureAsync(cancellationToken);
        // The primary key is (destination, idempotency key): a pod already held is ignored, whichever batch holds it.
        return await _database.WriteAsync((connection, token) => SqliteDatabase.ExecuteAsync(connection,
            "INSERT OR IGNORE INTO storm_entries VALUES($d,$i,$b,$k,$e,$j,$a)", token,
            ("$d", destination), ("$i", entry.IdempotencyKey), ("$b", batch.Id), ("$k", batch.Key), ("$e", batch.Expected),
            ("$j", JsonSerializer.Serialize(entry, NotifyJsonContext.Default.StormEntry)), ("$a", Stamp(addedAt))), cancellationToken) == 1;
    }

    public async Task<IReadOnlyList<PendingStormBatch>> PendingAsync(string destination, CancellationToken cancellationToken)
    {
        await _table.EnsureAsync(cancellationToken);
        var rows = await _database.ReadAsync(async (connection, token) =>
        {
            // rowid: the order of insertion among pods added at the same instant.
            await using var command = SqliteDatabase.Command(connection,
                "SELECT batch_id, batch_key, expected, entry_json, added_at FROM storm_entries WHERE destination=$d ORDER BY added_at, rowid",
                ("$d", destination));
            await using var reader = await command.ExecuteReaderAsync(token);
            var list = new List<(StormBatchInfo Batch, StormEntry Entry, DateTimeOffset Added)>();
            while (await reader.ReadAsync(token))
                list.Add((new StormBatchInfo(reader.GetString(0), reader.GetString(1), reader.GetInt32(2)),
                    JsonSerializer.Deserialize(reader.GetString(3), NotifyJsonContext.Default.StormEntry)!,
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
