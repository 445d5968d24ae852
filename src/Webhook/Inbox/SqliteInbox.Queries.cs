using System.Text.Json;
using Webhook.Alerts;
using Webhook.Storage;

namespace Webhook.Inbox;

/// <summary>Reads: nothing here takes the write gate, except readiness, which is about taking it, and the counts.</summary>
public sealed partial class SqliteInbox
{
    public Task<IReadOnlySet<string>> DeliveredDestinationsAsync(long itemId, CancellationToken cancellationToken) =>
        _database.ReadAsync<IReadOnlySet<string>>(async (connection, token) =>
        {
            await using var command = SqliteDatabase.Command(connection, "SELECT destination FROM deliveries WHERE item_id = $id", ("$id", itemId));
            var set = new HashSet<string>(StringComparer.Ordinal);
            await using var reader = await command.ExecuteReaderAsync(token);
            while (await reader.ReadAsync(token)) set.Add(reader.GetString(0));
            return set;
        }, cancellationToken);

    /// <summary>Under the write gate, where every change of state is made: the open items read from the file and the
    /// finished ones counted in memory are of the same moment (an item finishing is never in both, nor in neither).</summary>
    public Task<InboxCounts> CountsAsync(CancellationToken cancellationToken) =>
        _database.WriteAsync(async (connection, token) =>
        {
            // The open items counted on the (state, next_attempt_at) index, without reading the rows (a few, or a
            // storm's backlog); the finished ones as this inbox counted them (FinishedCounts): counting them here went
            // through every item kept for Inbox:Retention, 5-13 ms a call with 100,000 of them.
            await using var command = SqliteDatabase.Command(connection, """
                SELECT state, count(*) FROM items WHERE state IN ('pending', 'inflight') GROUP BY state;
                SELECT min(created_at) FROM items WHERE state IN ('pending', 'inflight');
                """);
            await using var reader = await command.ExecuteReaderAsync(token);
            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            while (await reader.ReadAsync(token)) counts[reader.GetString(0)] = reader.GetInt64(1);
            await reader.NextResultAsync(token);
            await reader.ReadAsync(token);
            double? oldest = reader.IsDBNull(0) ? null : Math.Max(0, (Now() - reader.GetInt64(0)) / 1000.0);
            long Count(string state) => counts.GetValueOrDefault(state);
            return new InboxCounts(Count(InboxStates.Pending), Count(InboxStates.InFlight), _finished[InboxStates.Delivered],
                _finished[InboxStates.Superseded], _finished[InboxStates.Failed], _finished[InboxStates.Dead], oldest);
        }, cancellationToken);

    public Task<IReadOnlyList<FailedItem>> FailedAsync(int limit, CancellationToken cancellationToken) =>
        _database.ReadAsync<IReadOnlyList<FailedItem>>(async (connection, token) =>
        {
            await using var command = SqliteDatabase.Command(connection, """
                SELECT id, state, alert, attempts, last_error, coalesce(requeued_at, created_at), updated_at FROM items
                WHERE state IN ('failed', 'dead') ORDER BY updated_at DESC, id DESC LIMIT $limit
                """, ("$limit", limit));
            await using var reader = await command.ExecuteReaderAsync(token);
            var items = new List<FailedItem>();
            while (await reader.ReadAsync(token))
            {
                var alert = JsonSerializer.Deserialize(reader.GetString(2), AlertsJsonContext.Default.AlertContext)!;
                items.Add(new FailedItem(reader.GetInt64(0), reader.GetString(1), alert.Route, alert.Namespace, alert.Pod, alert.Fingerprint,
                    alert.Status, reader.GetInt32(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6))));
            }
            return items;
        }, cancellationToken);

    public Task<InboxItemState?> FindAsync(long itemId, CancellationToken cancellationToken) =>
        _database.ReadAsync(async (connection, token) =>
        {
            await using var command = SqliteDatabase.Command(connection,
                "SELECT key, state, attempts, last_error, next_attempt_at FROM items WHERE id = $id", ("$id", itemId));
            await using var reader = await command.ExecuteReaderAsync(token);
            if (!await reader.ReadAsync(token)) return null;
            return new InboxItemState(itemId, reader.GetString(0), reader.GetString(1), reader.GetInt32(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)));
        }, cancellationToken);

    /// <summary>Readiness: the writer and the flusher work, and a write transaction can be taken through the gate.</summary>
    public async Task<bool> IsWritableAsync(CancellationToken cancellationToken)
    {
        if (_writer is not { IsRunning: true } || _flusher is not { Failure: null }) return false;
        try
        {
            return await _database.WriteAsync(async (connection, token) =>
            {
                await SqliteDatabase.ExecuteAsync(connection, "BEGIN IMMEDIATE; ROLLBACK;", token);
                return true;
            }, cancellationToken);
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            return false;
        }
    }

    public async Task<string?> LastErrorAsync(long itemId, CancellationToken cancellationToken) =>
        (await FindAsync(itemId, cancellationToken))?.LastError;
}
