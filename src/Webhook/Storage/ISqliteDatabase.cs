using Microsoft.Data.Sqlite;

namespace Webhook.Storage;

/// <summary>
/// The service's SQLite file (the inbox's), for every part that keeps state in it: the inbox, the Slack incidents,
/// the storm digests, the readiness probe. SQLite has one writer at a time, and a connection that finds the lock
/// taken sleeps in its busy handler (1 ms, then longer); writes taking turns through <see cref="WriteAsync{T}"/>
/// instead never sleep behind each other, and the intake's commits never sleep behind anyone's.
/// Asynchronous only: nothing here blocks a pool thread on a lock or on the disk's fsync.
/// </summary>
public interface ISqliteDatabase
{
    /// <summary>The file's full path.</summary>
    string FullPath { get; }

    /// <summary>A pooled connection with the service's pragmas; for reads (WAL readers never wait for the writer).</summary>
    Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Runs <paramref name="write"/> on its own connection while holding the write gate; use a transaction inside for several statements.</summary>
    Task<T> WriteAsync<T>(Func<SqliteConnection, CancellationToken, Task<T>> write, CancellationToken cancellationToken);

    /// <summary>Runs <paramref name="read"/> on its own connection, without the gate.</summary>
    Task<T> ReadAsync<T>(Func<SqliteConnection, CancellationToken, Task<T>> read, CancellationToken cancellationToken);
}
