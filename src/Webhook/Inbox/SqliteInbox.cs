using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Webhook.Alerts;
using Webhook.Storage;

namespace Webhook.Inbox;

/// <summary>
/// The embedded store: one SQLite file in WAL mode, owned by one process. Its parts, each in its own file:
/// <see cref="InboxSchema"/> (tables), <see cref="GroupCommitWriter"/> (the intake's commits, acknowledged after
/// <see cref="WalFlusher"/>'s fsync), <see cref="WalCheckpointer"/>, the queue operations (SqliteInbox.Queue.cs)
/// and the queries (SqliteInbox.Queries.cs). Everything that writes takes turns at the file's write gate
/// (<see cref="SqliteDatabase"/>), which other users of the file share through <see cref="Database"/>.
/// </summary>
public sealed partial class SqliteInbox : IInboxStore, IAsyncDisposable
{
    readonly InboxOptions _options;
    readonly TimeProvider _clock;
    readonly SqliteDatabase _database;
    // In memory, under the write gate; see each type for why.
    readonly KnownKeys _keys = new();
    readonly AlertOrder _order = new();
    readonly FinishedCounts _finished = new();
    readonly SemaphoreSlim _initialize = new(1, 1);
    InboxOwnership? _ownership;
    WalFlusher? _flusher;
    WalCheckpointer? _checkpointer;
    GroupCommitWriter? _writer;

    public SqliteInbox(IOptions<InboxOptions> options, TimeProvider clock)
    {
        _options = options.Value;
        _clock = clock;
        _database = new SqliteDatabase(_options.Path, _options.BusyTimeout, _options.MaxWalBytes);
    }

    public string FullPath => _database.FullPath;

    /// <summary>The inbox's file and write gate, for the other parts that keep state in it.</summary>
    public ISqliteDatabase Database => _database;

    /// <summary>Creates the folder, the file and the schema, loads the keys and the open items, and starts the writer.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _initialize.WaitAsync(cancellationToken);
        try
        {
            if (_writer is not null) return;
            Directory.CreateDirectory(Path.GetDirectoryName(FullPath)!);
            _ownership ??= InboxOwnership.Take(FullPath);
            await using (var connection = await _database.OpenAsync(cancellationToken))
            {
                await InboxSchema.CreateAsync(connection, cancellationToken);
                await LoadAsync(connection, cancellationToken);
            }
            _flusher = new WalFlusher(FullPath);
            _checkpointer = new WalCheckpointer(_database, _options.MaxWalBytes);
            if (_options.BackgroundCheckpoints) _checkpointer.Start();
            _writer = new GroupCommitWriter(_database, _options, _clock, _keys, _order, _flusher);
        }
        finally
        {
            _initialize.Release();
        }
    }

    async Task LoadAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using (var keys = SqliteDatabase.Command(connection, "SELECT key FROM items"))
        await using (var reader = await keys.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken)) _keys.Add(reader.GetString(0));
        }
        // The finished items once, at start; from then on counted as they finish, so /status need not go through
        // all of them (they are kept for Inbox:Retention, tens of thousands after a week of storms).
        await using (var finished = SqliteDatabase.Command(connection,
            "SELECT state, count(*) FROM items WHERE state NOT IN ('pending', 'inflight') GROUP BY state"))
        await using (var reader = await finished.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken)) _finished.Add(reader.GetString(0), reader.GetInt64(1));
        }
        // Open items only: a few in a quiet inbox, the backlog after an outage.
        await using var open = SqliteDatabase.Command(connection,
            "SELECT id, alert, state FROM items WHERE state IN ('pending', 'inflight') ORDER BY id");
        await using var rows = await open.ExecuteReaderAsync(cancellationToken);
        while (await rows.ReadAsync(cancellationToken))
        {
            var alert = JsonSerializer.Deserialize(rows.GetString(1), AlertsJsonContext.Default.AlertContext)!;
            _order.Add(rows.GetInt64(0), alert.Route, alert.Fingerprint, alert.StartsAt, alert.IsResolved,
                inFlight: rows.GetString(2) == InboxStates.InFlight);
        }
    }

    /// <summary>Completes only once the items are committed to disk; duplicates of stored keys are counted, not added.</summary>
    public Task<EnqueueResult> EnqueueAsync(IReadOnlyList<NewInboxItem> items)
    {
        if (items.Count == 0) return Task.FromResult(new EnqueueResult(0, 0));
        if (_flusher?.Failure is { } failure) return Task.FromException<EnqueueResult>(new InboxUnavailableException(failure));
        if (_writer is null) return Task.FromException<EnqueueResult>(new InboxUnavailableException("the inbox is not accepting writes (not started)"));
        return _writer.EnqueueAsync(items);
    }

    /// <summary>One checkpoint pass now (tests; the background passes run every 100 ms).</summary>
    internal Task CheckpointAsync(CancellationToken cancellationToken) =>
        _checkpointer?.CheckpointAsync() ?? Task.CompletedTask;

    long Now() => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    public async ValueTask DisposeAsync()
    {
        if (_writer is not null) await _writer.StopAsync();
        // After the writer: its last commits are answered before the flusher stops.
        _flusher?.Dispose();
        _checkpointer?.Dispose();
        // Closes this inbox's pooled connections before the last descriptor (see WalCheckpointer).
        _database.ClearPool();
        _checkpointer?.CloseFile();
        _ownership?.Dispose();
    }
}

/// <summary>
/// How many items are in each finished state (delivered, superseded, failed, dead). One process owns the file and
/// every change of state is this inbox's, made under the write gate and counted here after its commit; /status reads
/// them under the gate too, for an answer of one moment. The lock keeps a read or a count outside the gate safe.
/// </summary>
sealed class FinishedCounts
{
    readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);

    public void Add(string state, long delta)
    {
        if (delta == 0) return;
        lock (_counts) _counts[state] = _counts.GetValueOrDefault(state) + delta;
    }

    public long this[string state]
    {
        get { lock (_counts) return _counts.GetValueOrDefault(state); }
    }
}

public sealed class InboxUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
