using Microsoft.Data.Sqlite;

namespace Webhook.Storage;

/// <summary>One SQLite file: its connection settings and the write gate every writer of the file takes turns at.</summary>
public sealed class SqliteDatabase : ISqliteDatabase
{
    readonly string _connectionString;
    readonly string _pragmas, _durablePragmas;
    readonly SemaphoreSlim _gate = new(1, 1);

    public SqliteDatabase(string path, TimeSpan busyTimeout, long maxWalBytes)
    {
        FullPath = Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(busyTimeout.TotalSeconds)),
        }.ToString();
        // Automatic checkpoints off: the inbox's checkpointer does them off the intake's path (WalCheckpointer).
        var common = $"PRAGMA busy_timeout={(int)busyTimeout.TotalMilliseconds}; PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit={maxWalBytes};";
        _pragmas = "PRAGMA synchronous=NORMAL; " + common;
        _durablePragmas = "PRAGMA synchronous=FULL; " + common;
    }

    public string FullPath { get; }

    public Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) => OpenAsync(durable: false, cancellationToken);

    /// <param name="durable">
    /// FULL for the checkpointer, so a checkpoint syncs the WAL before copying it and the database after.
    /// Everything else commits with NORMAL: the intake's writer because <c>WalFlusher</c> fsyncs the WAL before
    /// anyone is answered, and the rest because in WAL mode a commit survives a process crash, and after a power
    /// loss the worst case is a repeated delivery with the same Idempotency-Key, cheaper than an fsync per change.
    /// </param>
    public async Task<SqliteConnection> OpenAsync(bool durable, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await ExecuteAsync(connection, durable ? _durablePragmas : _pragmas, cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<T> WriteAsync<T>(Func<SqliteConnection, CancellationToken, Task<T>> write, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        using (await EnterWriteGateAsync(cancellationToken))
            return await write(connection, cancellationToken);
    }

    public async Task<T> ReadAsync<T>(Func<SqliteConnection, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await read(connection, cancellationToken);
    }

    /// <summary>For a writer that keeps its own connection (the intake's group commit, the checkpointer's restart).</summary>
    public async Task<IDisposable> EnterWriteGateAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        return new Turn(_gate);
    }

    public Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        WriteAsync((connection, token) => ExecuteAsync(connection, sql, token, parameters), cancellationToken);

    public static async Task<int> ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="body"/> in BEGIN IMMEDIATE ... COMMIT (ROLLBACK when it throws). Plain statements rather than
    /// an ADO.NET transaction, so the commands inside need no Transaction property set.
    /// </summary>
    public static async Task<T> InTransactionAsync<T>(SqliteConnection connection, Func<Task<T>> body, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, "BEGIN IMMEDIATE", cancellationToken);
        T result;
        try
        {
            result = await body();
        }
        catch
        {
            await ExecuteAsync(connection, "ROLLBACK", CancellationToken.None);
            throw;
        }
        await ExecuteAsync(connection, "COMMIT", CancellationToken.None);
        return result;
    }

    public static SqliteCommand Command(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    /// <summary>Closes this file's pooled connections (before the last descriptor of the file is closed).</summary>
    public void ClearPool() => SqliteConnection.ClearPool(new SqliteConnection(_connectionString));

    sealed class Turn(SemaphoreSlim gate) : IDisposable
    {
        int _released;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) gate.Release();
        }
    }
}
