using System.Text.Json;
using Npgsql;
using Webhook.Alerts;

namespace Webhook.Inbox;

/// <summary>Reads, and readiness.</summary>
public sealed partial class PostgresInbox
{
    /// <summary>A readiness probe answers within this even when the database does not (a probe's own timeout is short).</summary>
    static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    public async Task<IReadOnlySet<string>> DeliveredDestinationsAsync(long itemId, CancellationToken cancellationToken)
    {
        if (_claimedDeliveries.TryRemove(itemId, out var claimed)) return claimed;
        var set = new HashSet<string>(StringComparer.Ordinal);
        await ReadAsync("SELECT destination FROM inbox_deliveries WHERE item_id = @id", r => set.Add(r.GetString(0)), cancellationToken, ("id", itemId));
        return set;
    }

    public async Task<InboxCounts> CountsAsync(CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        long? oldestCreated = null;
        // Each half on the partial index of its states, not a pass over the table's wide rows (1.5-4 ms a call with a few
        // thousand items, growing with Inbox:Retention): the open items (a few, the backlog in a storm) with the
        // oldest's age, and the finished ones counted from the narrow index the purge uses (inbox_items_finished).
        await ReadAsync("""
            SELECT state, count(*), min(created_at) FROM inbox_items WHERE state IN ('pending', 'inflight') GROUP BY state
            UNION ALL
            SELECT state, count(*), NULL FROM inbox_items WHERE state NOT IN ('pending', 'inflight') GROUP BY state
            """, r =>
        {
            counts[r.GetString(0)] = r.GetInt64(1);
            if (r.GetString(0) is InboxStates.Pending or InboxStates.InFlight && (oldestCreated is null || r.GetInt64(2) < oldestCreated))
                oldestCreated = r.GetInt64(2);
        }, cancellationToken);
        double? oldest = oldestCreated is { } created ? Math.Max(0, (Now() - created) / 1000.0) : null;
        long Count(string state) => counts.GetValueOrDefault(state);
        return new InboxCounts(Count(InboxStates.Pending), Count(InboxStates.InFlight), Count(InboxStates.Delivered),
            Count(InboxStates.Superseded), Count(InboxStates.Failed), Count(InboxStates.Dead), oldest);
    }

    public async Task<IReadOnlyList<FailedItem>> FailedAsync(int limit, CancellationToken cancellationToken)
    {
        var items = new List<FailedItem>();
        await ReadAsync("""
            SELECT id, state, alert, attempts, last_error, coalesce(requeued_at, created_at), updated_at FROM inbox_items
            WHERE state IN ('failed', 'dead') ORDER BY updated_at DESC, id DESC LIMIT @limit
            """, r =>
        {
            var alert = JsonSerializer.Deserialize(r.GetString(2), AlertsJsonContext.Default.AlertContext)!;
            items.Add(new FailedItem(r.GetInt64(0), r.GetString(1), alert.Route, alert.Namespace, alert.Pod, alert.Fingerprint,
                alert.Status, r.GetInt32(3), r.IsDBNull(4) ? null : r.GetString(4),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6))));
        }, cancellationToken, ("limit", limit));
        return items;
    }

    public async Task<InboxItemState?> FindAsync(long itemId, CancellationToken cancellationToken)
    {
        InboxItemState? state = null;
        await ReadAsync("SELECT key, state, attempts, last_error, next_attempt_at FROM inbox_items WHERE id = @id", r =>
            state = new InboxItemState(itemId, r.GetString(0), r.GetString(1), r.GetInt32(2), r.IsDBNull(3) ? null : r.GetString(3),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4))), cancellationToken, ("id", itemId));
        return state;
    }

    /// <summary>
    /// Readiness: the database answers, is a primary (a standby after a failover takes no writes), and this store
    /// still holds its owner lock (else it takes a new one, which also re-opens the session after a restart).
    /// </summary>
    public async Task<bool> IsWritableAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            await ReadyAsync(timeout.Token);
            var primary = false;
            await ReadAsync("SELECT NOT pg_is_in_recovery()", r => primary = r.GetBoolean(0), timeout.Token);
            if (!primary) return false;
            await _initialize.WaitAsync(timeout.Token);
            try
            {
                if (!await OwnsLockAsync(timeout.Token)) await TakeOwnershipAsync(timeout.Token);
            }
            finally
            {
                _initialize.Release();
            }
            return true;
        }
        catch (Exception ex) when (IsUnavailable(ex) || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }

    /// <summary>True when the owner connection is open and its session still holds the owner lock.</summary>
    async Task<bool> OwnsLockAsync(CancellationToken cancellationToken)
    {
        if (_ownerConnection is not { State: System.Data.ConnectionState.Open } connection) return false;
        try
        {
            await using var command = new NpgsqlCommand($"""
                SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()
                  AND classid::bigint = {OwnerClass} AND objid::bigint = @owner AND objsubid = 2
                """, connection);
            command.Parameters.AddWithValue("owner", OwnerId);
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 1;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            return false;
        }
    }

    async Task ReadAsync(string sql, Action<NpgsqlDataReader> row, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await ReadyAsync(cancellationToken);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) row(reader);
    }
}
