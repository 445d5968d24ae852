using Microsoft.Data.Sqlite;
using Webhook.Storage;

namespace Webhook.Inbox;

/// <summary>The inbox's tables, created on start, and the columns later versions added to a file made by an earlier one.</summary>
static class InboxSchema
{
    public static async Task CreateAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        // The journal mode cannot change inside a transaction; the rest is one transaction, so a new file's tables,
        // index and columns are one commit (one write of the WAL) instead of one per statement.
        await SqliteDatabase.ExecuteAsync(connection, "PRAGMA journal_mode=WAL", cancellationToken);
        await SqliteDatabase.InTransactionAsync(connection, () => CreateTablesAsync(connection, cancellationToken), cancellationToken);
    }

    static async Task<bool> CreateTablesAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await SqliteDatabase.ExecuteAsync(connection, """
            CREATE TABLE IF NOT EXISTS items(
                id INTEGER PRIMARY KEY,
                key TEXT NOT NULL,
                route TEXT NOT NULL,
                alert TEXT NOT NULL,
                state TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at INTEGER NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                last_error TEXT,
                trace_parent TEXT);
            CREATE INDEX IF NOT EXISTS items_due ON items(state, next_attempt_at);
            CREATE TABLE IF NOT EXISTS deliveries(
                item_id INTEGER NOT NULL,
                destination TEXT NOT NULL,
                delivered_at INTEGER NOT NULL,
                PRIMARY KEY(item_id, destination));
            """, cancellationToken);
        // Added after the first release; NULL until an item is claimed or re-queued, so the intake's insert is unchanged.
        var columns = await ColumnsAsync(connection, cancellationToken);
        foreach (var (column, type) in new[] { ("lease_until", "INTEGER"), ("lease_token", "INTEGER"), ("requeued_at", "INTEGER") })
        {
            if (!columns.Contains(column))
                await SqliteDatabase.ExecuteAsync(connection, $"ALTER TABLE items ADD COLUMN {column} {type}", cancellationToken);
        }
        return true;
    }

    static async Task<HashSet<string>> ColumnsAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var command = SqliteDatabase.Command(connection, "SELECT name FROM pragma_table_info('items')");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (await reader.ReadAsync(cancellationToken)) names.Add(reader.GetString(0));
        return names;
    }
}
