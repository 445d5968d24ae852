using Microsoft.Data.Sqlite;
using Webhook.Storage;

namespace Webhook.Inbox;

/// <summary>
/// Moves the WAL into the database file off the intake's path: with SQLite's automatic checkpoint the committing
/// writer would do it, and every request waiting on that commit would wait for it too. Runs on its own thread:
/// a checkpoint and the fsync after it block for as long as the disk takes, which must not hold a pool thread.
/// </summary>
sealed class WalCheckpointer : IDisposable
{
    // Often, so each pass (and the database fsync after it) is small: at 500 ms the fsyncs of tens of MB
    // delayed the intake's own commit fsyncs behind them (p99 9-11 ms instead of about 8.5 ms).
    static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    readonly SqliteDatabase _database;
    readonly long _maxWalBytes;
    // Opened once and closed last: closing any descriptor of the database file drops the POSIX locks SQLite holds
    // on it (sqlite.org/howtocorrupt.html, 2.2), so the checkpointer's fsync must not open and close one each time.
    readonly FileStream _databaseFile;
    readonly ManualResetEventSlim _stop = new(false);
    readonly Lock _pass = new();
    Thread? _thread;
    (long Frames, long Copied) _lastCheckpoint;

    public WalCheckpointer(SqliteDatabase database, long maxWalBytes)
    {
        _database = database;
        _maxWalBytes = maxWalBytes;
        _databaseFile = new FileStream(database.FullPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, 1);
    }

    public void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "Inbox checkpointer" };
        _thread.Start();
    }

    void Run()
    {
        while (!_stop.Wait(Interval))
        {
            try
            {
                Checkpoint();
            }
            catch (Exception ex) when (ex is SqliteException or IOException)
            {
                // The next pass tries again; a failing disk shows on /readyz.
            }
        }
    }

    /// <summary>One pass now, on a pool thread: for tests that turn the background passes off.</summary>
    public Task CheckpointAsync() => Task.Run(Checkpoint);

    /// <summary>
    /// Copies what the WAL holds into the database while writers go on. A quiet moment lets the next commit start
    /// the WAL over; under steady load there is none and the WAL would only grow (hundreds of MB in seconds), so
    /// past Inbox:MaxWalBytes the WAL is restarted between two commits, pausing the intake for a few milliseconds.
    /// </summary>
    void Checkpoint()
    {
        lock (_pass)
        {
            using var connection = _database.OpenAsync(durable: true, CancellationToken.None).GetAwaiter().GetResult(); // synchronous inside; own thread
            var progress = PassiveCheckpoint(connection);
            // A passive checkpoint that the writer overtakes copies pages into the database without syncing it; left
            // alone, tens of MB wait for the one checkpoint that reaches the end of the WAL, and if that is the restart
            // below, the intake waits 15-20 ms for the fsync. Syncing here, outside the gate, keeps that step small.
            if (progress != _lastCheckpoint) _databaseFile.Flush(flushToDisk: true);
            _lastCheckpoint = progress;
            if (new FileInfo(_database.FullPath + "-wal") is not { Exists: true, Length: var walBytes } || walBytes <= _maxWalBytes) return;
            // Once more outside the gate, so what is left to copy inside it is only a few milliseconds' worth.
            PassiveCheckpoint(connection);
            _databaseFile.Flush(flushToDisk: true);
            using (_database.EnterWriteGateAsync(CancellationToken.None).GetAwaiter().GetResult())
            {
                using var restart = SqliteDatabase.Command(connection, "PRAGMA wal_checkpoint(RESTART);");
                restart.ExecuteNonQuery();
            }
        }
    }

    static (long Frames, long Copied) PassiveCheckpoint(SqliteConnection connection)
    {
        using var command = SqliteDatabase.Command(connection, "PRAGMA wal_checkpoint(PASSIVE);");
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(1), reader.GetInt64(2));
    }

    /// <summary>Stops the thread; the file is closed by <see cref="CloseFile"/> after the connections are.</summary>
    public void Dispose()
    {
        _stop.Set();
        _thread?.Join();
    }

    public void CloseFile() => _databaseFile.Dispose();
}
