using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Webhook.Alerts;

namespace Webhook.Inbox;

/// <summary>
/// The durable queue: one SQLite file in WAL mode. Writes from the intake go through one writer that commits
/// whatever arrived together in one transaction (group commit), and nobody is answered before the WAL holding their
/// commit is fsynced (<see cref="WalFlusher"/>), so an acknowledged alert survives kill -9 and power loss.
/// </summary>
public sealed class SqliteInbox : IAsyncDisposable
{
    const string Pending = "pending", Dead = "dead";

    readonly InboxOptions _options;
    readonly TimeProvider _clock;
    readonly string _connectionString;
    readonly Channel<EnqueueRequest> _writes = Channel.CreateUnbounded<EnqueueRequest>(new() { SingleReader = true });
    Task? _writer;
    // SQLite has one writer at a time, and a connection that finds the lock taken sleeps in its busy handler
    // (1 ms, then longer). Taking turns here instead keeps the intake's commits from sleeping behind the workers.
    readonly SemaphoreSlim _writeLock = new(1, 1);
    Task? _checkpointer;
    readonly CancellationTokenSource _stopping = new();
    readonly KnownKeys _keys = new();
    InboxOwnership? _ownership;
    WalFlusher? _flusher;
    // Opened once and closed last: closing any descriptor of the database file drops the POSIX locks SQLite holds
    // on it (sqlite.org/howtocorrupt.html, 2.2), so the checkpointer's fsync must not open and close one each time.
    FileStream? _databaseFile;
    (long Frames, long Copied) _lastCheckpoint;

    public SqliteInbox(IOptions<InboxOptions> options, TimeProvider clock)
    {
        _options = options.Value;
        _clock = clock;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path.GetFullPath(_options.Path),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(_options.BusyTimeout.TotalSeconds)),
        }.ToString();
    }

    public string FullPath => Path.GetFullPath(_options.Path);

    /// <summary>Creates the folder, the file and the schema, and starts the group-commit writer.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (_writer is not null) return;
        Directory.CreateDirectory(Path.GetDirectoryName(FullPath)!);
        _ownership ??= InboxOwnership.Take(FullPath);
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, """
            PRAGMA journal_mode=WAL;
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
        await LoadKeysAsync(connection, cancellationToken);
        _databaseFile = new FileStream(FullPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, 1);
        _flusher = new WalFlusher(FullPath);
        _writer = Task.Run(WriteLoopAsync, CancellationToken.None);
        if (_options.BackgroundCheckpoints) _checkpointer = Task.Run(CheckpointLoopAsync, CancellationToken.None);
    }

    async Task LoadKeysAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT key FROM items";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) _keys.Add(reader.GetString(0));
    }

    /// <summary>
    /// Moves the WAL into the database file off the intake's path: with SQLite's automatic checkpoint the
    /// committing writer would do it, and every request waiting on that commit would wait for it too.
    /// </summary>
    async Task CheckpointLoopAsync()
    {
        // Often, so each pass (and the database fsync after it) is small: at 500 ms the fsyncs of tens of MB
        // delayed the intake's own commit fsyncs behind them (p99 9-11 ms instead of about 8.5 ms).
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        while (await timer.WaitForNextTickAsync(_stopping.Token).AsTask().ContinueWith(t => t.IsCompletedSuccessfully && t.Result, TaskScheduler.Default))
        {
            try
            {
                await CheckpointAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is SqliteException or OperationCanceledException)
            {
                // The next tick tries again; a failing disk shows on /readyz.
            }
        }
    }

    /// <summary>
    /// Copies what the WAL holds into the database while writers go on. A quiet moment lets the next commit start
    /// the WAL over; under steady load there is none and the WAL would only grow (hundreds of MB in seconds), so
    /// past Inbox:MaxWalBytes the WAL is restarted between two commits, pausing the intake for a few milliseconds.
    /// </summary>
    internal async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken, durable: true);
        var progress = await PassiveCheckpointAsync(connection, cancellationToken);
        // A passive checkpoint that the writer overtakes copies pages into the database without syncing it; left
        // alone, tens of MB wait for the one checkpoint that reaches the end of the WAL, and if that is the restart
        // below, the intake waits 15-20 ms for the fsync. Syncing here, outside the lock, keeps that step small.
        if (progress != _lastCheckpoint) _databaseFile!.Flush(flushToDisk: true);
        _lastCheckpoint = progress;
        if (new FileInfo(FullPath + "-wal") is not { Exists: true, Length: var walBytes } || walBytes <= _options.MaxWalBytes) return;
        // Once more outside the lock, so what is left to copy inside it is only a few milliseconds' worth.
        await ExecuteAsync(connection, "PRAGMA wal_checkpoint(PASSIVE);", cancellationToken);
        _databaseFile!.Flush(flushToDisk: true);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await ExecuteAsync(connection, "PRAGMA wal_checkpoint(RESTART);", cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    static async Task<(long Frames, long Copied)> PassiveCheckpointAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(1), reader.GetInt64(2));
    }

    /// <summary>
    /// Completes only once the items are committed to disk; duplicates of stored keys are counted, not added.
    /// Not cancellable: the commit is milliseconds away and the items go in whether or not the sender still waits.
    /// </summary>
    public Task<EnqueueResult> EnqueueAsync(IReadOnlyList<NewInboxItem> items)
    {
        if (items.Count == 0) return Task.FromResult(new EnqueueResult(0, 0));
        if (_flusher?.Failure is { } failure) throw new InboxUnavailableException(failure);
        var request = new EnqueueRequest(items);
        if (_writer is null || !_writes.Writer.TryWrite(request))
            throw new InboxUnavailableException("the inbox is not accepting writes (not started or shutting down)");
        return request.Done.Task;
    }

    async Task WriteLoopAsync()
    {
        // synchronous=NORMAL: the commit writes the WAL without an fsync; the flusher runs it before anyone is answered.
        await using var connection = await OpenAsync(CancellationToken.None);
        // One prepared statement for the life of the writer: compiling it per batch costs as much as a few inserts.
        await using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO items(key, route, alert, state, next_attempt_at, created_at, updated_at, trace_parent)
            VALUES ($key, $route, $alert, 'pending', $now, $now, $now, $trace)
            """;
        foreach (var name in new[] { "$key", "$route", "$alert", "$trace" }) insert.Parameters.Add(name, SqliteType.Text);
        insert.Parameters.Add("$now", SqliteType.Integer);
        insert.Prepare();
        var batch = new List<EnqueueRequest>();
        while (await _writes.Reader.WaitToReadAsync())
        {
            batch.Clear();
            var count = 0;
            while (count < _options.MaxBatch && _writes.Reader.TryRead(out var request))
            {
                batch.Add(request);
                count += request.Items.Count;
            }
            try
            {
                EnqueueResult[] results;
                await _writeLock.WaitAsync();
                try
                {
                    results = Commit(connection, insert, batch);
                }
                finally
                {
                    _writeLock.Release();
                }
                _flusher!.Acknowledge(batch.ConvertAll(request => request.Done), results);
            }
            catch (Exception ex)
            {
                var failure = new InboxUnavailableException($"the inbox could not commit: {ex.Message}", ex);
                foreach (var request in batch) request.Done.TrySetException(failure);
            }
        }
    }

    /// <summary>Inserts the batch's new keys in one transaction; runs under the write lock, which also guards the key set.</summary>
    EnqueueResult[] Commit(SqliteConnection connection, SqliteCommand insert, List<EnqueueRequest> batch)
    {
        var (key, route, alert, trace) = (insert.Parameters["$key"], insert.Parameters["$route"], insert.Parameters["$alert"], insert.Parameters["$trace"]);
        insert.Parameters["$now"].Value = Now();
        var results = new EnqueueResult[batch.Count];
        var added = new List<string>();
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
                    added.Add(item.Key);
                    key.Value = item.Key;
                    route.Value = item.Alert.Route;
                    alert.Value = item.AlertJson;
                    trace.Value = (object?)item.TraceParent ?? DBNull.Value;
                    insert.ExecuteNonQuery();
                    inserted++;
                }
                results[i] = new EnqueueResult(inserted, duplicates);
            }
            transaction.Commit();
            return results;
        }
        catch
        {
            // Not stored, so not known: the sender gets a 503 and Alertmanager sends them again.
            foreach (var k in added) _keys.Remove(k);
            throw;
        }
    }

    /// <summary>Takes up to <paramref name="max"/> due items (pending, or dead-lettered and due for a slow retry) and marks them in flight.</summary>
    public async Task<IReadOnlyList<InboxItem>> ClaimDueAsync(int max, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE items SET state = 'inflight', updated_at = $now
            WHERE id IN (SELECT id FROM items WHERE state IN ('pending', 'dead') AND next_attempt_at <= $now
                         ORDER BY next_attempt_at, id LIMIT $max)
            RETURNING id, key, alert, attempts, trace_parent
            """;
        command.Parameters.AddWithValue("$now", Now());
        command.Parameters.AddWithValue("$max", max);
        var items = new List<InboxItem>();
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var alert = JsonSerializer.Deserialize(reader.GetString(2), AlertsJsonContext.Default.AlertContext)!;
                items.Add(new InboxItem(reader.GetInt64(0), reader.GetString(1), alert, reader.GetInt32(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4)));
            }
        }
        finally
        {
            _writeLock.Release();
        }
        return items;
    }

    /// <summary>Destinations that already have this item, so a retry or a restart never posts to them twice.</summary>
    public async Task<IReadOnlySet<string>> DeliveredDestinationsAsync(long itemId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT destination FROM deliveries WHERE item_id = $id";
        command.Parameters.AddWithValue("$id", itemId);
        var set = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) set.Add(reader.GetString(0));
        return set;
    }

    public Task MarkDeliveredToAsync(long itemId, string destination, CancellationToken cancellationToken) =>
        ExecuteAsync("INSERT OR IGNORE INTO deliveries(item_id, destination, delivered_at) VALUES ($id, $d, $now)",
            cancellationToken, ("$id", itemId), ("$d", destination), ("$now", Now()));

    /// <summary>Marks the item done; with <paramref name="lastDestination"/>, records that delivery in the same commit.</summary>
    public Task CompleteAsync(long itemId, CancellationToken cancellationToken, string? lastDestination = null) =>
        ExecuteAsync("""
            BEGIN IMMEDIATE;
            INSERT OR IGNORE INTO deliveries(item_id, destination, delivered_at) SELECT $id, $d, $now WHERE $d IS NOT NULL;
            UPDATE items SET state = 'delivered', attempts = attempts + 1, updated_at = $now, last_error = NULL WHERE id = $id;
            COMMIT;
            """, cancellationToken, ("$id", itemId), ("$now", Now()), ("$d", (object?)lastDestination ?? DBNull.Value));

    /// <summary>Puts the item back for another try at <paramref name="nextAttemptAt"/>, or dead-letters it with the reason.</summary>
    public Task RescheduleAsync(long itemId, DateTimeOffset nextAttemptAt, string error, bool deadLetter, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE items SET state = $state, attempts = attempts + 1, next_attempt_at = $next, updated_at = $now, last_error = $error WHERE id = $id",
            cancellationToken, ("$id", itemId), ("$state", deadLetter ? Dead : Pending),
            ("$next", nextAttemptAt.ToUnixTimeMilliseconds()), ("$now", Now()), ("$error", error));

    /// <summary>Items in flight when the process died go back to pending: at-least-once, deduplicated per destination.</summary>
    public Task<int> RecoverInFlightAsync(CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE items SET state = 'pending', updated_at = $now WHERE state = 'inflight'",
            cancellationToken, ("$now", Now()));

    /// <summary>Deletes items delivered longer than Inbox:Retention ago; a repeat of one of them after that is new again.</summary>
    public async Task<int> PurgeDeliveredAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                DELETE FROM deliveries WHERE item_id IN (SELECT id FROM items WHERE state = 'delivered' AND updated_at < $cutoff);
                DELETE FROM items WHERE state = 'delivered' AND updated_at < $cutoff RETURNING key;
                """;
            command.Parameters.AddWithValue("$cutoff", Now() - (long)_options.Retention.TotalMilliseconds);
            var purged = new List<string>();
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                do
                {
                    while (await reader.ReadAsync(cancellationToken)) purged.Add(reader.GetString(0));
                } while (await reader.NextResultAsync(cancellationToken));
            }
            await transaction.CommitAsync(cancellationToken);
            foreach (var key in purged) _keys.Remove(key);
            return purged.Count;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<InboxCounts> CountsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT
              (SELECT count(*) FROM items WHERE state = 'pending'),
              (SELECT count(*) FROM items WHERE state = 'inflight'),
              (SELECT count(*) FROM items WHERE state = 'delivered'),
              (SELECT count(*) FROM items WHERE state = 'dead'),
              (SELECT min(created_at) FROM items WHERE state IN ('pending', 'inflight'))
            """;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        double? oldest = reader.IsDBNull(4) ? null : Math.Max(0, (Now() - reader.GetInt64(4)) / 1000.0);
        return new InboxCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), oldest);
    }

    /// <summary>Readiness: a write transaction can be taken (the file is there, writable, not locked up).</summary>
    public async Task<bool> IsWritableAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await ExecuteAsync(connection, "BEGIN IMMEDIATE; ROLLBACK;", cancellationToken);
            return _writer is { IsCompleted: false } && _flusher is { Failure: null };
        }
        catch (SqliteException)
        {
            return false;
        }
    }

    public async Task<string?> LastErrorAsync(long itemId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT last_error FROM items WHERE id = $id";
        command.Parameters.AddWithValue("$id", itemId);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <param name="durable">
    /// FULL for the checkpointer, so a checkpoint syncs the WAL before copying it and the database after.
    /// Everything else commits with NORMAL: the intake's writer because <see cref="WalFlusher"/> fsyncs the WAL
    /// before anyone is answered, and the workers' bookkeeping because in WAL mode it survives a process crash,
    /// and after a power loss the worst case is a repeated delivery with the same Idempotency-Key, which is
    /// cheaper than an fsync per state change.
    /// </param>
    async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken, bool durable = false)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection,
            $"PRAGMA synchronous={(durable ? "FULL" : "NORMAL")}; PRAGMA busy_timeout={(int)_options.BusyTimeout.TotalMilliseconds}; PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit={_options.MaxWalBytes};",
            cancellationToken);
        return connection;
    }

    async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            return await ExecuteAsync(connection, sql, cancellationToken, parameters);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    static async Task<int> ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    long Now() => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    public async ValueTask DisposeAsync()
    {
        _writes.Writer.TryComplete();
        if (_writer is not null) await _writer;
        // After the writer: its last commits are answered before the flusher stops.
        _flusher?.Dispose();
        await _stopping.CancelAsync();
        if (_checkpointer is not null) await _checkpointer;
        // Closes this inbox's pooled connections before the last descriptor (see _databaseFile).
        SqliteConnection.ClearPool(new SqliteConnection(_connectionString));
        _databaseFile?.Dispose();
        _ownership?.Dispose();
    }

    sealed record EnqueueRequest(IReadOnlyList<NewInboxItem> Items)
    {
        public TaskCompletionSource<EnqueueResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

public sealed class InboxUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
