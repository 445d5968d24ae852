using System.Text.Json;
using Microsoft.Data.Sqlite;
using Webhook.Alerts;
using Webhook.Storage;

namespace Webhook.Inbox;

/// <summary>The queue's state changes: claim (in order per alert, with a lease), complete, retry, give up, re-queue, purge.</summary>
public sealed partial class SqliteInbox
{
    const string Superseded = "superseded: its resolved arrived before it was delivered";

    /// <summary>How many due items past the first a claim looks at to find a route with fewer items in flight.</summary>
    const int FairnessScan = 512;

    /// <summary>How many of a route's waiting items a claim looks up by id when the scan did not reach that route.</summary>
    const int RouteLookup = 256;

    public Task<IReadOnlyList<InboxItem>> ClaimAsync(int max, TimeSpan lease, CancellationToken cancellationToken) =>
        _database.WriteAsync<IReadOnlyList<InboxItem>>(async (connection, token) =>
        {
            var now = Now();
            var chosen = new List<long>();
            var superseded = new List<long>();
            // Expired leases first (their holder is stuck or gone), then due pending items in due order. Blocked items
            // (an earlier item of their alert is open) are passed over, so one stalled alert never holds up the rest.
            await using (var expired = SqliteDatabase.Command(connection,
                "SELECT id FROM items WHERE state = 'inflight' AND lease_until <= $now ORDER BY lease_until, id", ("$now", now)))
            await using (var reader = await expired.ExecuteReaderAsync(token))
                while (chosen.Count < max && await reader.ReadAsync(token))
                    if (_order.Check(reader.GetInt64(0), superseded) == AlertOrder.Verdict.Claim) chosen.Add(reader.GetInt64(0));

            // Among due pending items, the route with the fewest items in flight goes first (then due order): a storm on
            // one route, or a destination that is slow, never takes every worker from another route's alerts.
            var candidates = new List<(long Id, string Route)>();
            // Per route, the candidates found so far. The scan stops once the routes with nothing in flight give
            // enough, or once every route with waiting items has as many as the claim could take from it: the rows
            // after that are only later items of the same routes, which the choice below would never reach.
            var perRoute = new Dictionary<string, int>(StringComparer.Ordinal);
            int idle = 0, routesSatisfied = 0;
            var routesWaiting = _order.RoutesWaiting.Count;
            var scannedAll = false;
            await using (var pending = SqliteDatabase.Command(connection,
                "SELECT id FROM items WHERE state = 'pending' AND next_attempt_at <= $now ORDER BY next_attempt_at, id", ("$now", now)))
            await using (var reader = await pending.ExecuteReaderAsync(token))
                while (chosen.Count + idle < max && candidates.Count < max + FairnessScan && (routesSatisfied < routesWaiting || routesWaiting == 0))
                {
                    if (!await reader.ReadAsync(token))
                    {
                        scannedAll = true;
                        break;
                    }
                    Consider(reader.GetInt64(0));
                }
            // A route the scan never reached (one alert behind a storm's backlog of thousands) is looked up by its own
            // waiting items when it has fewer in flight than every route found: served at once however deep the backlog.
            if (!scannedAll && chosen.Count < max)
            {
                var lightest = candidates.Count == 0 ? int.MaxValue : candidates.Min(c => _order.InFlight(c.Route));
                foreach (var route in _order.RoutesWaiting.Where(r => _order.InFlight(r) < lightest && candidates.All(c => c.Route != r)).ToList())
                {
                    await using var lookup = SqliteDatabase.Command(connection, """
                        SELECT id FROM items WHERE id IN (SELECT value FROM json_each($ids)) AND state = 'pending' AND next_attempt_at <= $now
                        ORDER BY next_attempt_at, id
                        """, ("$ids", $"[{string.Join(',', _order.FirstWaiting(route, RouteLookup))}]"), ("$now", now));
                    await using var reader = await lookup.ExecuteReaderAsync(token);
                    while (await reader.ReadAsync(token)) Consider(reader.GetInt64(0));
                }
            }
            void Consider(long id)
            {
                switch (_order.Check(id, superseded))
                {
                    case AlertOrder.Verdict.Claim:
                        var route = _order.RouteOf(id);
                        candidates.Add((id, route));
                        if (_order.InFlight(route) == 0) idle++;
                        var found = perRoute[route] = perRoute.GetValueOrDefault(route) + 1;
                        if (found == max - chosen.Count && _order.RoutesWaiting.Contains(route)) routesSatisfied++;
                        break;
                    case AlertOrder.Verdict.Supersede: superseded.Add(id); break;
                }
            }
            var taken = new Dictionary<string, int>(StringComparer.Ordinal);
            while (chosen.Count < max && candidates.Count > 0)
            {
                var best = 0;
                for (var i = 1; i < candidates.Count; i++)
                    if (Load(candidates[i].Route) < Load(candidates[best].Route)) best = i;
                chosen.Add(candidates[best].Id);
                taken[candidates[best].Route] = taken.GetValueOrDefault(candidates[best].Route) + 1;
                candidates.RemoveAt(best);
            }
            int Load(string route) => _order.InFlight(route) + taken.GetValueOrDefault(route);
            if (chosen.Count == 0 && superseded.Count == 0) return [];

            var items = new List<InboxItem>(chosen.Count);
            var supersededNow = 0;
            await SqliteDatabase.InTransactionAsync(connection, async () =>
            {
                foreach (var id in superseded.Distinct())
                {
                    supersededNow += await SqliteDatabase.ExecuteAsync(connection, """
                        UPDATE items SET state = 'superseded', updated_at = $now, last_error = $reason WHERE id = $id AND state = 'pending'
                        """, token, ("$id", id), ("$now", now), ("$reason", Superseded));
                }
                foreach (var id in chosen)
                {
                    var leaseToken = Random.Shared.NextInt64(1, long.MaxValue);
                    await using var claim = SqliteDatabase.Command(connection, """
                        UPDATE items SET state = 'inflight', lease_until = $until, lease_token = $token, updated_at = $now WHERE id = $id
                        RETURNING key, alert, attempts, trace_parent, coalesce(requeued_at, created_at)
                        """, ("$id", id), ("$until", now + (long)lease.TotalMilliseconds), ("$token", leaseToken), ("$now", now));
                    await using var row = await claim.ExecuteReaderAsync(token);
                    if (!await row.ReadAsync(token)) continue;
                    var alert = JsonSerializer.Deserialize(row.GetString(1), AlertsJsonContext.Default.AlertContext)!;
                    items.Add(new InboxItem(id, row.GetString(0), alert, row.GetInt32(2), row.IsDBNull(3) ? null : row.GetString(3))
                    {
                        LeaseToken = leaseToken,
                        QueuedAt = DateTimeOffset.FromUnixTimeMilliseconds(row.GetInt64(4)),
                    });
                }
                return items;
            }, token);
            _finished.Add(InboxStates.Superseded, supersededNow);
            foreach (var id in superseded) _order.Remove(id);
            foreach (var item in items) _order.SetInFlight(item.Id, true);
            return items;
        }, cancellationToken);

    public async Task<bool> RenewLeaseAsync(InboxItem item, TimeSpan lease, CancellationToken cancellationToken) =>
        await _database.ExecuteAsync("""
            UPDATE items SET lease_until = $until WHERE id = $id AND state = 'inflight' AND lease_token = $token
            """, cancellationToken, ("$id", item.Id), ("$token", item.LeaseToken), ("$until", Now() + (long)lease.TotalMilliseconds)) == 1;

    /// <summary>
    /// One process owns this file (<see cref="InboxOwnership"/>), so at start every item in flight was a previous
    /// process's: at-least-once, deduplicated per destination, without waiting for the leases to run out.
    /// </summary>
    public Task<int> RecoverInFlightAsync(CancellationToken cancellationToken) =>
        _database.WriteAsync(async (connection, token) =>
        {
            await using var command = SqliteDatabase.Command(connection, """
                UPDATE items SET state = 'pending', lease_until = NULL, lease_token = NULL, updated_at = $now WHERE state = 'inflight' RETURNING id
                """, ("$now", Now()));
            await using var reader = await command.ExecuteReaderAsync(token);
            var count = 0;
            while (await reader.ReadAsync(token))
            {
                _order.SetInFlight(reader.GetInt64(0), false);
                count++;
            }
            return count;
        }, cancellationToken);

    public Task MarkDeliveredToAsync(long itemId, string destination, CancellationToken cancellationToken) =>
        _database.ExecuteAsync("INSERT OR IGNORE INTO deliveries(item_id, destination, delivered_at) VALUES ($id, $d, $now)",
            cancellationToken, ("$id", itemId), ("$d", destination), ("$now", Now()));

    public Task<bool> CompleteAsync(InboxItem item, string? lastDestination, CancellationToken cancellationToken) =>
        _database.WriteAsync(async (connection, token) =>
        {
            var now = Now();
            var done = await SqliteDatabase.InTransactionAsync(connection, async () =>
            {
                // The delivery happened whoever holds the claim now: recorded either way, so nobody posts it again.
                if (lastDestination is not null)
                    await SqliteDatabase.ExecuteAsync(connection, "INSERT OR IGNORE INTO deliveries(item_id, destination, delivered_at) VALUES ($id, $d, $now)",
                        token, ("$id", item.Id), ("$d", lastDestination), ("$now", now));
                return await SqliteDatabase.ExecuteAsync(connection, """
                    UPDATE items SET state = 'delivered', attempts = attempts + 1, updated_at = $now, last_error = NULL, lease_until = NULL, lease_token = NULL
                    WHERE id = $id AND state = 'inflight' AND lease_token = $token
                    """, token, ("$id", item.Id), ("$token", item.LeaseToken), ("$now", now)) == 1;
            }, token);
            if (done)
            {
                _order.Remove(item.Id);
                _finished.Add(InboxStates.Delivered, 1);
            }
            return done;
        }, cancellationToken);

    public Task<bool> RetryLaterAsync(InboxItem item, DateTimeOffset nextAttemptAt, string reason, CancellationToken cancellationToken, bool countAttempt = true) =>
        _database.WriteAsync(async (connection, token) =>
        {
            var done = await SqliteDatabase.ExecuteAsync(connection, $"""
                UPDATE items SET state = 'pending', attempts = attempts + {(countAttempt ? 1 : 0)}, next_attempt_at = $next, updated_at = $now, last_error = $error,
                    lease_until = NULL, lease_token = NULL
                WHERE id = $id AND state = 'inflight' AND lease_token = $token
                """, token, ("$id", item.Id), ("$token", item.LeaseToken), ("$next", nextAttemptAt.ToUnixTimeMilliseconds()),
                ("$now", Now()), ("$error", reason)) == 1;
            if (done) _order.SetInFlight(item.Id, false);
            return done;
        }, cancellationToken);

    public Task<bool> GiveUpAsync(InboxItem item, string state, string reason, CancellationToken cancellationToken)
    {
        if (state is not (InboxStates.Failed or InboxStates.Dead))
            throw new ArgumentOutOfRangeException(nameof(state), state, "an item gives up as failed or dead");
        return _database.WriteAsync(async (connection, token) =>
        {
            var done = await SqliteDatabase.ExecuteAsync(connection, """
                UPDATE items SET state = $state, attempts = attempts + 1, updated_at = $now, last_error = $error, lease_until = NULL, lease_token = NULL
                WHERE id = $id AND state = 'inflight' AND lease_token = $token
                """, token, ("$id", item.Id), ("$token", item.LeaseToken), ("$state", state), ("$now", Now()), ("$error", reason)) == 1;
            if (done)
            {
                _order.Remove(item.Id);
                _finished.Add(state, 1);
            }
            return done;
        }, cancellationToken);
    }

    public Task<RequeueResult> RequeueAsync(long itemId, CancellationToken cancellationToken) =>
        _database.WriteAsync(async (connection, token) =>
        {
            var now = Now();
            // Its state before (RETURNING gives the row after), for the finished counts; nobody else writes meanwhile.
            await using var before = SqliteDatabase.Command(connection, "SELECT state FROM items WHERE id = $id", ("$id", itemId));
            if (await before.ExecuteScalarAsync(token) is not string was) return RequeueResult.NotFound;
            if (was is not (InboxStates.Failed or InboxStates.Dead)) return RequeueResult.NotFailed;
            await using var command = SqliteDatabase.Command(connection, """
                UPDATE items SET state = 'pending', attempts = 0, next_attempt_at = $now, requeued_at = $now, updated_at = $now
                WHERE id = $id AND state IN ('failed', 'dead') RETURNING alert
                """, ("$id", itemId), ("$now", now));
            await using var reader = await command.ExecuteReaderAsync(token);
            if (!await reader.ReadAsync(token)) return RequeueResult.NotFailed;
            var alert = JsonSerializer.Deserialize(reader.GetString(0), AlertsJsonContext.Default.AlertContext)!;
            _order.Add(itemId, alert.Route, alert.Fingerprint, alert.StartsAt, alert.IsResolved);
            _finished.Add(was, -1);
            return RequeueResult.Requeued;
        }, cancellationToken);

    /// <summary>A repeat of a purged item's key after that is new again.</summary>
    public Task<int> PurgeAsync(CancellationToken cancellationToken) =>
        _database.WriteAsync(async (connection, token) =>
        {
            var now = Now();
            var purged = await SqliteDatabase.InTransactionAsync(connection, async () =>
            {
                await using var command = SqliteDatabase.Command(connection, """
                    CREATE TEMP TABLE IF NOT EXISTS purged(id INTEGER PRIMARY KEY);
                    DELETE FROM temp.purged;
                    INSERT INTO temp.purged SELECT id FROM items WHERE state IN ('delivered', 'superseded') AND updated_at < $done;
                    INSERT INTO temp.purged SELECT id FROM items WHERE state IN ('failed', 'dead') AND updated_at < $failed;
                    DELETE FROM deliveries WHERE item_id IN (SELECT id FROM temp.purged);
                    DELETE FROM items WHERE id IN (SELECT id FROM temp.purged) RETURNING key, state;
                    """, ("$done", now - (long)_options.Retention.TotalMilliseconds), ("$failed", now - (long)_options.FailedRetention.TotalMilliseconds));
                var rows = new List<(string Key, string State)>();
                await using (var reader = await command.ExecuteReaderAsync(token))
                {
                    do
                    {
                        while (await reader.ReadAsync(token)) rows.Add((reader.GetString(0), reader.GetString(1)));
                    } while (await reader.NextResultAsync(token));
                }
                return rows;
            }, token);
            foreach (var (key, state) in purged)
            {
                _keys.Remove(key);
                _finished.Add(state, -1);
            }
            return purged.Count;
        }, cancellationToken);
}
