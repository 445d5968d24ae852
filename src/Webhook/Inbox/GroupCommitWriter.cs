using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Webhook.Storage;

namespace Webhook.Inbox;

/// <summary>
/// The intake's one writer: commits whatever arrived together in one transaction (group commit) and hands the
/// senders to <see cref="WalFlusher"/>, which answers them once the WAL holding their commit is on disk.
/// The queue in front of it is bounded (Inbox:MaxQueuedRequests): past it the intake answers 503 and
/// Alertmanager retries, instead of the process holding an unbounded backlog in memory.
/// </summary>
sealed class GroupCommitWriter
{
    readonly SqliteDatabase _database;
    readonly InboxOptions _options;
    readonly TimeProvider _clock;
    readonly KnownKeys _keys;
    readonly AlertOrder _order;
    readonly WalFlusher _flusher;
    readonly Channel<EnqueueRequest> _requests;
    readonly Task _loop;

    public GroupCommitWriter(SqliteDatabase database, InboxOptions options, TimeProvider clock, KnownKeys keys, AlertOrder order, WalFlusher flusher)
    {
        (_database, _options, _clock, _keys, _order, _flusher) = (database, options, clock, keys, order, flusher);
        _requests = Channel.CreateBounded<EnqueueRequest>(new BoundedChannelOptions(options.MaxQueuedRequests)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite answers false when full; nobody waits
        });
        _loop = Task.Run(WriteLoopAsync, CancellationToken.None);
    }

    public bool IsRunning => !_loop.IsCompleted;

    public Task<EnqueueResult> EnqueueAsync(IReadOnlyList<NewInboxItem> items)
    {
        var request = new EnqueueRequest(items);
        if (_requests.Writer.TryWrite(request)) return request.Done.Task;
        return Task.FromException<EnqueueResult>(new InboxUnavailableException(_loop.IsCompleted
            ? "the inbox is not accepting writes (shutting down)"
            : $"the inbox's write queue is full ({_options.MaxQueuedRequests} requests waiting)"));
    }

    /// <summary>Commits what is queued, then stops.</summary>
    public async Task StopAsync()
    {
        _requests.Writer.TryComplete();
        await _loop;
    }

    async Task WriteLoopAsync()
    {
        // synchronous=NORMAL: the commit writes the WAL without an fsync; the flusher runs it before anyone is answered.
        await using var connection = await _database.OpenAsync(CancellationToken.None);
        // One prepared statement for the life of the writer: compiling it per batch costs as much as a few inserts.
        await using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO items(key, route, alert, state, next_attempt_at, created_at, updated_at, trace_parent)
            VALUES ($key, $route, $alert, 'pending', $now, $now, $now, $trace)
            RETURNING id
            """;
        foreach (var name in new[] { "$key", "$route", "$alert", "$trace" }) insert.Parameters.Add(name, SqliteType.Text);
        insert.Parameters.Add("$now", SqliteType.Integer);
        insert.Prepare();
        var batch = new List<EnqueueRequest>();
        while (await _requests.Reader.WaitToReadAsync())
        {
            batch.Clear();
            var count = 0;
            while (count < _options.MaxBatch && _requests.Reader.TryRead(out var request))
            {
                batch.Add(request);
                count += request.Items.Count;
            }
            try
            {
                EnqueueResult[] results;
                using (await _database.EnterWriteGateAsync(CancellationToken.None))
                    results = Commit(connection, insert, batch);
                _flusher.Acknowledge(batch.ConvertAll(request => request.Done), results);
            }
            catch (Exception ex)
            {
                var failure = new InboxUnavailableException($"the inbox could not commit: {ex.Message}", ex);
                foreach (var request in batch) request.Done.TrySetException(failure);
            }
        }
    }

    /// <summary>Inserts the batch's new keys in one transaction; runs under the write gate, which also guards the key set and the order.</summary>
    EnqueueResult[] Commit(SqliteConnection connection, SqliteCommand insert, List<EnqueueRequest> batch)
    {
        var (key, route, alert, trace) = (insert.Parameters["$key"], insert.Parameters["$route"], insert.Parameters["$alert"], insert.Parameters["$trace"]);
        insert.Parameters["$now"].Value = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        var results = new EnqueueResult[batch.Count];
        var added = new List<(long Id, NewInboxItem Item)>();
        try
        {
            using var transaction = connection.BeginTransaction();
            insert.Transaction = transaction;
            for (var i = 0; i < batch.Count; i++)
            {
                int inserted = 0, duplicates = 0;
                foreach (var item in batch[i].Items)
                {
                    // Also catches a key repeated inside the batch (both HA peers at the same moment).
                    if (!_keys.Add(item.Key))
                    {
                        duplicates++;
                        continue;
                    }
                    added.Add((0, item));
                    key.Value = item.Key;
                    route.Value = item.Alert.Route;
                    alert.Value = item.AlertJson;
                    trace.Value = (object?)item.TraceParent ?? DBNull.Value;
                    added[^1] = ((long)insert.ExecuteScalar()!, item);
                    inserted++;
                }
                results[i] = new EnqueueResult(inserted, duplicates);
            }
            transaction.Commit();
        }
        catch
        {
            // Not stored, so not known: the sender gets a 503 and Alertmanager sends them again.
            foreach (var (_, item) in added) _keys.Remove(item.Key);
            throw;
        }
        foreach (var (id, item) in added)
            _order.Add(id, item.Alert.Route, item.Alert.Fingerprint, item.Alert.StartsAt, item.Alert.IsResolved);
        return results;
    }

    sealed record EnqueueRequest(IReadOnlyList<NewInboxItem> Items)
    {
        public TaskCompletionSource<EnqueueResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
