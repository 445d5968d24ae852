using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Npgsql;
using Webhook.Storage;

namespace Webhook.Notify.Slack;

/// <summary>
/// The Slack incidents in the shared PostgreSQL database (Inbox:Provider=postgres), for every replica at once. The
/// tables are migration 2 of the inbox's schema. "Exactly one caller" holds across replicas: an attempt is recorded
/// with <c>INSERT … ON CONFLICT DO NOTHING</c>, and a destination's conversation (opening, re-firing and resolving
/// an incident) is a session advisory lock. Times are Unix milliseconds from the service's clock, never the
/// server's <c>now()</c>, so retention behaves as in the SQLite store.
/// </summary>
public sealed class PostgresSlackIncidentStore : ISlackIncidentStore
{
    static readonly TimeSpan PurgeEvery = TimeSpan.FromHours(1);

    readonly IPostgresDatabase _database;
    readonly SlackStoreOptions _options;
    readonly TimeProvider _time;
    readonly OnFirstUse _firstUse;
    long _nextPurge;

    public PostgresSlackIncidentStore(IPostgresDatabase database, IOptions<SlackStoreOptions> options, TimeProvider time)
    {
        _database = database;
        _options = options.Value;
        _time = time;
        // A start after a long stop deletes what expired meanwhile, as the SQLite store does.
        _firstUse = new OnFirstUse(async ct => await PurgeNowAsync(ct));
    }

    /// <summary>
    /// A session advisory lock on a pooled connection, held while the notifier talks to Slack (at most the HTTP
    /// timeout). Should the connection break meanwhile, the server drops the lock and another replica may go on:
    /// the attempt marks still keep each post single (the other replica searches the channel for a post it may have made).
    /// </summary>
    public async Task<IAsyncDisposable> LockConversationAsync(string destination, CancellationToken cancellationToken)
    {
        await _firstUse.EnsureAsync(cancellationToken);
        var dataSource = await _database.ReadyAsync(cancellationToken);
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var lockClass = _database.LockClass(PostgresLockClass.SlackConversation);
        var key = LockKey(destination);
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_advisory_lock(@class, @key)", connection);
            command.Parameters.AddWithValue("class", lockClass);
            command.Parameters.AddWithValue("key", key);
            await command.ExecuteNonQueryAsync(cancellationToken);
            return new ConversationLock(connection, lockClass, key);
        }
        catch
        {
            // A wait cancelled just as the server granted it would go back to the pool holding the lock.
            await ConversationLock.UnlockAllAsync(connection);
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>The destination's lock key: the first 4 bytes of its hash (two destinations sharing one only wait for each other).</summary>
    static int LockKey(string destination) => BinaryPrimitives.ReadInt32BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(destination)));

    sealed class ConversationLock(NpgsqlConnection connection, int lockClass, int key) : IAsyncDisposable
    {
        int _released;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 1) return;
            try
            {
                await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(@class, @key)", connection);
                command.Parameters.AddWithValue("class", lockClass);
                command.Parameters.AddWithValue("key", key);
                await command.ExecuteNonQueryAsync(CancellationToken.None);
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                // The session is gone, and its lock with it; a broken connection is not pooled again. Should it
                // still be open (the unlock failed otherwise), it must not go back holding the lock: pooled
                // connections are not reset (PostgresInbox.PooledConnectionString), so the pool drops it.
                NpgsqlConnection.ClearPool(connection);
            }
            await connection.DisposeAsync();
        }

        public static async Task UnlockAllAsync(NpgsqlConnection connection)
        {
            try
            {
                await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", connection);
                await command.ExecuteNonQueryAsync(CancellationToken.None);
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                // Broken: the session's locks end with it (and, not reset, it is not pooled again either way).
                NpgsqlConnection.ClearPool(connection);
            }
        }
    }

    public async Task<bool> MarkAttemptAsync(string destination, string idempotencyKey, string step, CancellationToken cancellationToken) =>
        await ExecuteAsync("""
            INSERT INTO slack_attempts(destination, idempotency_key, step, attempted_at) VALUES (@d, @i, @s, @now)
            ON CONFLICT DO NOTHING
            """, cancellationToken, ("d", destination), ("i", idempotencyKey), ("s", step), ("now", Now())) == 1;

    public async Task<DateTimeOffset?> AttemptedAtAsync(string destination, string idempotencyKey, string step, CancellationToken cancellationToken) =>
        await ScalarAsync("SELECT attempted_at FROM slack_attempts WHERE destination = @d AND idempotency_key = @i AND step = @s",
            cancellationToken, ("d", destination), ("i", idempotencyKey), ("s", step)) is long at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null;

    public Task ClearAttemptAsync(string destination, string idempotencyKey, string step, CancellationToken cancellationToken) =>
        ExecuteAsync("DELETE FROM slack_attempts WHERE destination = @d AND idempotency_key = @i AND step = @s", cancellationToken,
            ("d", destination), ("i", idempotencyKey), ("s", step));

    public async Task<SlackStep?> FindStepAsync(string destination, string idempotencyKey, string step, CancellationToken cancellationToken)
    {
        await using var command = await CommandAsync("SELECT ts FROM slack_steps WHERE destination = @d AND idempotency_key = @i AND step = @s",
            cancellationToken, ("d", destination), ("i", idempotencyKey), ("s", step));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new SlackStep(reader.IsDBNull(0) ? null : reader.GetString(0)) : null;
    }

    public async Task MarkStepAsync(string destination, string idempotencyKey, string step, string? ts, CancellationToken cancellationToken)
    {
        await ExecuteAsync("""
            INSERT INTO slack_steps(destination, idempotency_key, step, ts, done_at) VALUES (@d, @i, @s, @t, @now)
            ON CONFLICT (destination, idempotency_key, step) DO UPDATE SET ts = excluded.ts, done_at = excluded.done_at
            """, cancellationToken, ("d", destination), ("i", idempotencyKey), ("s", step), ("t", ts), ("now", Now()));
        // Steps are recorded by every notification: the purge rides on them instead of a timer of its own.
        if (Now() >= Interlocked.Read(ref _nextPurge)) await PurgeNowAsync(cancellationToken);
    }

    public Task<SlackIncident?> FindOpenAsync(string destination, string incidentKey, CancellationToken cancellationToken) => IncidentAsync("""
        SELECT channel, ts, message_json, opened_at FROM slack_incidents
        WHERE destination = @d AND incident_key = @k AND resolved_at IS NULL AND opened_at >= @cutoff ORDER BY opened_at DESC LIMIT 1
        """, cancellationToken, ("d", destination), ("k", incidentKey), ("cutoff", OpenCutoff));

    public Task<SlackIncident?> FindOpenByPodAsync(string destination, string fingerprint, CancellationToken cancellationToken) => IncidentAsync("""
        SELECT i.channel, i.ts, i.message_json, i.opened_at FROM slack_incidents i
        JOIN slack_incident_pods p ON p.destination = i.destination AND p.ts = i.ts
        WHERE i.destination = @d AND p.fingerprint = @f AND i.resolved_at IS NULL AND i.opened_at >= @cutoff ORDER BY i.opened_at DESC LIMIT 1
        """, cancellationToken, ("d", destination), ("f", fingerprint), ("cutoff", OpenCutoff));

    public Task OpenAsync(string destination, string incidentKey, string channel, string ts, string messageJson, string fingerprint,
        string idempotencyKey, CancellationToken cancellationToken) =>
        // One statement, so one transaction: after a crash either all of it is recorded or none.
        ExecuteAsync("""
            WITH incident AS (
                INSERT INTO slack_incidents(destination, incident_key, channel, ts, opened_at, resolved_at, message_json)
                VALUES (@d, @k, @c, @t, @now, NULL, @m)
                ON CONFLICT (destination, channel, ts) DO UPDATE
                SET incident_key = excluded.incident_key, opened_at = excluded.opened_at, resolved_at = NULL, message_json = excluded.message_json),
            pod AS (
                INSERT INTO slack_incident_pods(destination, ts, fingerprint, firing) VALUES (@d, @t, @f, true)
                ON CONFLICT (destination, ts, fingerprint) DO UPDATE SET firing = true)
            INSERT INTO slack_steps(destination, idempotency_key, step, ts, done_at) VALUES (@d, @i, 'post', @t, @now)
            ON CONFLICT (destination, idempotency_key, step) DO UPDATE SET ts = excluded.ts, done_at = excluded.done_at
            """, cancellationToken, ("d", destination), ("k", incidentKey), ("c", channel), ("t", ts), ("now", Now()), ("m", messageJson),
            ("f", fingerprint), ("i", idempotencyKey));

    public Task OpenDigestAsync(string destination, string digestKey, string channel, string ts, string messageJson,
        IReadOnlyCollection<string> fingerprints, CancellationToken cancellationToken) =>
        ExecuteAsync("""
            WITH incident AS (
                INSERT INTO slack_incidents(destination, incident_key, channel, ts, opened_at, resolved_at, message_json)
                VALUES (@d, @k, @c, @t, @now, NULL, @m)
                ON CONFLICT (destination, channel, ts) DO NOTHING)
            INSERT INTO slack_incident_pods(destination, ts, fingerprint, firing)
            SELECT DISTINCT @d, @t, f, true FROM unnest(@fingerprints) AS f
            ON CONFLICT (destination, ts, fingerprint) DO UPDATE SET firing = true
            """, cancellationToken, ("d", destination), ("k", digestKey), ("c", channel), ("t", ts), ("now", Now()), ("m", messageJson),
            ("fingerprints", fingerprints.ToArray()));

    public Task SetPodFiringAsync(string destination, string ts, string fingerprint, bool firing, CancellationToken cancellationToken) =>
        ExecuteAsync("""
            INSERT INTO slack_incident_pods(destination, ts, fingerprint, firing) VALUES (@d, @t, @f, @x)
            ON CONFLICT (destination, ts, fingerprint) DO UPDATE SET firing = excluded.firing
            """, cancellationToken, ("d", destination), ("t", ts), ("f", fingerprint), ("x", firing));

    public async Task<int> FiringPodsExceptAsync(string destination, string ts, string fingerprint, CancellationToken cancellationToken) =>
        Convert.ToInt32(await ScalarAsync("SELECT count(*) FROM slack_incident_pods WHERE destination = @d AND ts = @t AND firing AND fingerprint <> @f",
            cancellationToken, ("d", destination), ("t", ts), ("f", fingerprint)), System.Globalization.CultureInfo.InvariantCulture);

    public Task ResolveAsync(string destination, string ts, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE slack_incidents SET resolved_at = @now WHERE destination = @d AND ts = @t", cancellationToken,
            ("d", destination), ("t", ts), ("now", Now()));

    public async Task<int> PurgeAsync(CancellationToken cancellationToken)
    {
        await _firstUse.EnsureAsync(cancellationToken);
        return await PurgeNowAsync(cancellationToken);
    }

    /// <summary>Every replica purges on its own schedule; deletes of the same rows by two of them are harmless.</summary>
    async Task<int> PurgeNowAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        Interlocked.Exchange(ref _nextPurge, (now + PurgeEvery).ToUnixTimeMilliseconds());
        var dataSource = await _database.ReadyAsync(cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var marks = new NpgsqlCommand("""
            DELETE FROM slack_steps WHERE done_at < @steps;
            DELETE FROM slack_attempts WHERE attempted_at < @steps;
            DELETE FROM slack_incident_pods p USING slack_incidents i
            WHERE i.destination = p.destination AND i.ts = p.ts
              AND (i.resolved_at < @resolved OR (i.resolved_at IS NULL AND i.opened_at < @open));
            """, connection, transaction))
        {
            AddParameters(marks, Cutoffs(now));
            await marks.ExecuteNonQueryAsync(cancellationToken);
        }
        int deleted;
        await using (var incidents = new NpgsqlCommand(
            "DELETE FROM slack_incidents WHERE resolved_at < @resolved OR (resolved_at IS NULL AND opened_at < @open)", connection, transaction))
        {
            AddParameters(incidents, Cutoffs(now)[1..]);
            deleted = await incidents.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    (string, object?)[] Cutoffs(DateTimeOffset now) =>
    [
        ("steps", (now - _options.StepRetention).ToUnixTimeMilliseconds()),
        ("resolved", (now - _options.ResolvedRetention).ToUnixTimeMilliseconds()),
        ("open", (now - _options.IncidentMaxAge).ToUnixTimeMilliseconds()),
    ];

    long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    long OpenCutoff => (_time.GetUtcNow() - _options.IncidentMaxAge).ToUnixTimeMilliseconds();

    async Task<SlackIncident?> IncidentAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = await CommandAsync(sql, cancellationToken, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new SlackIncident(reader.GetString(0), reader.GetString(1), reader.GetString(2), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)))
            : null;
    }

    async Task<object?> ScalarAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = await CommandAsync(sql, cancellationToken, parameters);
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = await CommandAsync(sql, cancellationToken, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A command on the data source (its connection is returned to the pool when the command is disposed).</summary>
    async Task<NpgsqlCommand> CommandAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await _firstUse.EnsureAsync(cancellationToken);
        var command = (await _database.ReadyAsync(cancellationToken)).CreateCommand(sql);
        AddParameters(command, parameters);
        return command;
    }

    static void AddParameters(NpgsqlCommand command, (string Name, object? Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            // A null ts is text: typed, so the server need not infer it.
            if (value is null) command.Parameters.Add(new NpgsqlParameter(name, NpgsqlTypes.NpgsqlDbType.Text) { Value = DBNull.Value });
            else command.Parameters.AddWithValue(name, value);
        }
    }
}
