using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Webhook.Notify.Storm;

/// <summary>
/// Pods held for a digest, in the inbox's SQLite file: the inbox items are already marked delivered when they join
/// a digest, so the digest itself must survive a restart until it is posted.
/// </summary>
public sealed class StormStore
{
    private readonly SqliteFile _file;

    /// <param name="FirstAdded">When its first pod joined: the digest's age counts from there across restarts.</param>
    public sealed record PendingBatch(string BatchId, string Key, int Expected, IReadOnlyList<StormEntry> Entries, DateTimeOffset FirstAdded);

    public StormStore(string path)
    {
        _file = new SqliteFile(path);
        using var db = _file.Open();
        SqliteFile.Exec(db, """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS storm_entries(
              destination TEXT NOT NULL, idempotency_key TEXT NOT NULL, batch_id TEXT NOT NULL, batch_key TEXT NOT NULL,
              expected INTEGER NOT NULL, entry_json TEXT NOT NULL, added_at TEXT NOT NULL,
              PRIMARY KEY(destination, idempotency_key));
            """);
    }

    /// <summary>False when this pod is already waiting in a digest (e.g. the inbox retried it after a restart).</summary>
    public bool Add(string destination, string batchId, string batchKey, int expected, StormEntry entry, DateTimeOffset now)
    {
        using var db = _file.Open();
        return SqliteFile.Exec(db, "INSERT OR IGNORE INTO storm_entries VALUES($d,$i,$b,$k,$e,$j,$a)",
            ("$d", destination), ("$i", entry.IdempotencyKey), ("$b", batchId), ("$k", batchKey), ("$e", expected),
            ("$j", JsonSerializer.Serialize(entry, NotifyJsonContext.Default.StormEntry)), ("$a", now.ToString("O"))) == 1;
    }

    public IReadOnlyList<PendingBatch> Pending(string destination)
    {
        using var db = _file.Open();
        using var cmd = SqliteFile.Command(db, "SELECT batch_id, batch_key, expected, entry_json, added_at FROM storm_entries WHERE destination=$d ORDER BY added_at",
            [("$d", destination)]);
        using var r = cmd.ExecuteReader();
        var rows = new List<(string Id, string Key, int Expected, StormEntry Entry, DateTimeOffset Added)>();
        while (r.Read())
            rows.Add((r.GetString(0), r.GetString(1), r.GetInt32(2), JsonSerializer.Deserialize(r.GetString(3), NotifyJsonContext.Default.StormEntry)!,
                DateTimeOffset.Parse(r.GetString(4), System.Globalization.CultureInfo.InvariantCulture)));
        return rows.GroupBy(x => x.Id)
            .Select(g => new PendingBatch(g.Key, g.First().Key, g.First().Expected, g.Select(x => x.Entry).ToList(), g.Min(x => x.Added))).ToList();
    }

    public void Remove(string destination, string batchId)
    {
        using var db = _file.Open();
        SqliteFile.Exec(db, "DELETE FROM storm_entries WHERE destination=$d AND batch_id=$b", ("$d", destination), ("$b", batchId));
    }
}
