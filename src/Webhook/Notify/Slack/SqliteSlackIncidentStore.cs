using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Webhook.Storage;

namespace Webhook.Notify.Slack;

/// <summary>
/// The Slack incidents in the inbox's SQLite file (tables slack_incidents, slack_incident_pods, slack_steps,
/// slack_attempts, as earlier versions made them). Writes take turns at the file's write gate; reads do not wait for it.
/// </summary>
public sealed class SqliteSlackIncidentStore : ISlackIncidentStore
{
    static readonly TimeSpan PurgeEvery = TimeSpan.FromHours(1);

    readonly ISqliteDatabase _database;
    readonly SlackStoreOptions _options;
    readonly TimeProvider _time;
    readonly OnFirstUse _tables;
    readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> _conversations = new(StringComparer.Ordinal);
    long _nextPurge;

    public SqliteSlackIncidentStore(ISqliteDatabase database, IOptions<SlackStoreOptions> options, TimeProvider time)
    {
        _database = database;
        _options = options.Value;
        _time = time;
        // The first purge with the tables: a start after a long stop deletes what expired meanwhile.
        _tables = new OnFirstUse(async ct =>
        {
            await _database.WriteAsync((connection, token) => SqliteDatabase.ExecuteAsync(connection, """
                PRAGMA journal_mode=WAL;
                CREATE TABLE IF NOT EXISTS slack_incidents(
                  destination TEXT NOT NULL, incident_key TEXT NOT NULL, channel TEXT NOT NULL, ts TEXT NOT NULL,
                  opened_at TEXT NOT NULL, resolved_at TEXT, message_json TEXT NOT NULL,
                  PRIMARY KEY(destination, channel, ts));
                CREATE INDEX IF NOT EXISTS slack_incidents_open ON slack_incidents(destination, incident_key) WHERE resolved_at IS NULL;
                CREATE TABLE IF NOT EXISTS slack_incident_pods(
                  destination TEXT NOT NULL, ts TEXT NOT NULL, fingerprint TEXT NOT NULL, firing INTEGER NOT NULL,
                  PRIMARY KEY(destination, ts, fingerprint));
                CREATE TABLE IF NOT EXISTS slack_steps(
                  destination TEXT NOT NULL, idempotency_key TEXT NOT NULL, step TEXT NOT NULL, ts TEXT,
                  done_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
                  PRIMARY KEY(destination, idempotency_key, step));
                CREATE TABLE IF NOT EXISTS slack_attempts(
                  destination TEXT NOT NULL, idempotency_key TEXT NOT NULL, step TEXT NOT NULL, attempted_at TEXT NOT NULL,
                  PRIMARY KEY(destination, idempotency_key, step));
                """, token), ct);
            await PurgeNowAsync(ct);
        });
    }

    /// <summary>The file is one replica's own: a lock in this process is the conversation's lock.</summary>
    public async Task<IAsyncDisposable> LockConversationAsync(string destination, CancellationToken cancellationToken)
    {
        var gate = _conversations.GetOrAdd(destination, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        return new Held(gate);
    }

    sealed class Held(SemaphoreSlim gate) : IAsyncDisposable
    {
        int _released;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) gate.Release();
            return ValueTask.CompletedTask;
        }
    }

    public async Task<bool> MarkAttemptAsync(string destination, string idempotencyKey, string step, CancellationToken cancellationToken) =>
        await WriteAsync("INSERT OR IGNORE INTO slack_attempts VALUES($d,$i,$s,$a)", cancellationToken,
            ("$d", destination), ("$i", idempotencyKey), ("$s", step), ("$a", Stamp(_time.GetUtcNow()))) == 1;

    public async Task<DateTimeOffset?> AttemptedAtAsync(string destination, string idempotencyKey, string step, CancellationToken cancellationToken) =>
        await ScalarAsync("SELECT attempted_at FROM slack_attempts WHERE destination=$d AND idempotency_key=$i AND step=$s", cancellationToken,
            ("$d", destination), ("$i", idempotencyKey), ("$s", step)) is string s ? Parse(s) : null;

    public Task ClearAttemptAsync(string destination, string idempotencyKey, string step, CancellationToken cancellationToken) =>
        WriteAsync("DELETE FROM slack_attempts WHERE destination=$d AND idempotency_key=$i AND step=$s", cancellationToken,
            ("$d", destination), ("$i", idempotencyKey), ("$s", step));

    public async Task<SlackStep?> FindStepAsync(string destination, string idempotencyKey, string step, CancellationToken cancellationToken)
    {
        await _tables.EnsureAsync(cancellationToken);
        return await _database.ReadAsync(async (connection, token) =>
        {
            await using var command = SqliteDatabase.Command(connection,
                "SELECT ts FROM slack_steps WHERE destination=$d AND idempotency_key=$i AND step=$s",
                ("$d", destination), ("$i", idempotencyKey), ("$s", step));
            await using var reader = await command.ExecuteReaderAsync(token);
            return await reader.ReadAsync(token) ? new SlackStep(reader.IsDBNull(0) ? null : reader.GetString(0)) : null;
        }, cancellationToken);
    }

    public async Task MarkStepAsync(string destination, string idempotencyKey, string step, string? ts, CancellationToken cancellationToken)
    {
        await WriteAsync("INSERT OR REPLACE INTO slack_steps(destination, idempotency_key, step, ts, done_at) VALUES($d,$i,$s,$t,$a)", cancellationToken,
            ("$d", destination), ("$i", idempotencyKey), ("$s", step), ("$t", ts), ("$a", Stamp(_time.GetUtcNow())));
        // Steps are recorded by every notification: the purge rides on them instead of a timer of its own.
        if (_time.GetUtcNow().ToUnixTimeMilliseconds() >= Interlocked.Read(ref _nextPurge)) await PurgeNowAsync(cancellationToken);
    }

    public Task<SlackIncident?> FindOpenAsync(string destination, string incidentKey, CancellationToken cancellationToken) => IncidentAsync("""
        SELECT channel, ts, message_json, opened_at FROM slack_incidents
        WHERE destination=$d AND incident_key=$k AND resolved_at IS NULL AND opened_at >= $o ORDER BY opened_at DESC LIMIT 1
        """, cancellationToken, ("$d", destination), ("$k", incidentKey), ("$o", OpenCutoff));

    public Task<SlackIncident?> FindOpenByPodAsync(string destination, string fingerprint, CancellationToken cancellationToken) => IncidentAsync("""
        SELECT i.channel, i.ts, i.message_json, i.opened_at FROM slack_incidents i
        JOIN slack_incident_pods p ON p.destination=i.destination AND p.ts=i.ts
        WHERE i.destination=$d AND p.fingerprint=$f AND i.resolved_at IS NULL AND i.opened_at >= $o ORDER BY i.opened_at DESC LIMIT 1
        """, cancellationToken, ("$d", destination), ("$f", fingerprint), ("$o", OpenCutoff));

    public async Task OpenAsync(string destination, string incidentKey, string channel, string ts, string messageJson, string fingerprint,
        string idempotencyKey, CancellationToken cancellationToken)
    {
        await _tables.EnsureAsync(cancellationToken);
        var now = Stamp(_time.GetUtcNow());
        await _database.WriteAsync((connection, token) => SqliteDatabase.InTransactionAsync(connection, async () =>
        {
            await SqliteDatabase.ExecuteAsync(connection, """
                INSERT OR REPLACE INTO slack_incidents VALUES($d,$k,$c,$t,$o,NULL,$m);
                INSERT OR REPLACE INTO slack_incident_pods VALUES($d,$t,$f,1);
                INSERT OR REPLACE INTO slack_steps(destination, idempotency_key, step, ts, done_at) VALUES($d,$i,'post',$t,$o);
                """, token, ("$d", destination), ("$k", incidentKey), ("$c", channel), ("$t", ts), ("$o", now), ("$m", messageJson),
                ("$f", fingerprint), ("$i", idempotencyKey));
            return 0;
        }, token), cancellationToken);
    }

    public async Task OpenDigestAsync(string destination, string digestKey, string channel, string ts, string messageJson,
        IReadOnlyCollection<string> fingerprints, CancellationToken cancellationToken)
    {
        await _tables.EnsureAsync(cancellationToken);
        var now = Stamp(_time.GetUtcNow());
        await _database.WriteAsync((connection, token) => SqliteDatabase.InTransactionAsync(connection, async () =>
        {
            await SqliteDatabase.ExecuteAsync(connection, "INSERT OR IGNORE INTO slack_incidents VALUES($d,$k,$c,$t,$o,NULL,$m)", token,
                ("$d", destination), ("$k", digestKey), ("$c", channel), ("$t", ts), ("$o", now), ("$m", messageJson));
            await using var pod = SqliteDatabase.Command(connection, "INSERT OR REPLACE INTO slack_incident_pods VALUES($d,$t,$f,1)",
                ("$d", destination), ("$t", ts), ("$f", ""));
            foreach (var fingerprint in fingerprints)
            {
                pod.Parameters["$f"].Value = fingerprint;
                await pod.ExecuteNonQueryAsync(token);
            }
            return 0;
        }, token), cancellationToken);
    }

    public Task SetPodFiringAsync(string destination, string ts, string fingerprint, bool firing, CancellationToken cancellationToken) =>
        WriteAsync("INSERT OR REPLACE INTO slack_incident_pods VALUES($d,$t,$f,$x)", cancellationToken,
            ("$d", destination), ("$t", ts), ("$f", fingerprint), ("$x", firing ? 1 : 0));

    public async Task<int> FiringPodsExceptAsync(string destination, string ts, string fingerprint, CancellationToken cancellationToken) =>
        Convert.ToInt32(await ScalarAsync("SELECT count(*) FROM slack_incident_pods WHERE destination=$d AND ts=$t AND firing=1 AND fingerprint<>$f",
            cancellationToken, ("$d", destination), ("$t", ts), ("$f", fingerprint)), CultureInfo.InvariantCulture);

    public Task ResolveAsync(string destination, string ts, CancellationToken cancellationToken) =>
        WriteAsync("UPDATE slack_incidents SET resolved_at=$r WHERE destination=$d AND ts=$t", cancellationToken,
            ("$d", destination), ("$t", ts), ("$r", Stamp(_time.GetUtcNow())));

    public async Task<int> PurgeAsync(CancellationToken cancellationToken)
    {
        await _tables.EnsureAsync(cancellationToken);
        return await PurgeNowAsync(cancellationToken);
    }

    Task<int> PurgeNowAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        Interlocked.Exchange(ref _nextPurge, (now + PurgeEvery).ToUnixTimeMilliseconds());
        // "yyyy-MM-ddTHH:mm:ss.fffZ" strings of UTC times compare in time order; steps' done_at default is
        // strftime's ...Z form, which compares the same way.
        return _database.WriteAsync((connection, token) => SqliteDatabase.InTransactionAsync(connection, async () =>
        {
            await SqliteDatabase.ExecuteAsync(connection, """
                DELETE FROM slack_steps WHERE done_at < $steps;
                DELETE FROM slack_attempts WHERE attempted_at < $steps;
                DELETE FROM slack_incident_pods WHERE EXISTS (SELECT 1 FROM slack_incidents i
                  WHERE i.destination = slack_incident_pods.destination AND i.ts = slack_incident_pods.ts
                    AND (i.resolved_at < $resolved OR (i.resolved_at IS NULL AND i.opened_at < $open)));
                """, token, ("$steps", Stamp(now - _options.StepRetention)), ("$resolved", Stamp(now - _options.ResolvedRetention)),
                ("$open", Stamp(now - _options.IncidentMaxAge)));
            return await SqliteDatabase.ExecuteAsync(connection,
                "DELETE FROM slack_incidents WHERE resolved_at < $resolved OR (resolved_at IS NULL AND opened_at < $open)", token,
                ("$resolved", Stamp(now - _options.ResolvedRetention)), ("$open", Stamp(now - _options.IncidentMaxAge)));
        }, token), cancellationToken);
    }

    string OpenCutoff => Stamp(_time.GetUtcNow() - _options.IncidentMaxAge);

    static string Stamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    static DateTimeOffset Parse(string stamp) => DateTimeOffset.Parse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    async Task<SlackIncident?> IncidentAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await _tables.EnsureAsync(cancellationToken);
        return await _database.ReadAsync(async (connection, token) =>
        {
            await using var command = SqliteDatabase.Command(connection, sql, parameters);
            await using var reader = await command.ExecuteReaderAsync(token);
            return await reader.ReadAsync(token)
                ? new SlackIncident(reader.GetString(0), reader.GetString(1), reader.GetString(2), Parse(reader.GetString(3)))
                : null;
        }, cancellationToken);
    }

    async Task<object?> ScalarAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await _tables.EnsureAsync(cancellationToken);
        return await _database.ReadAsync(async (connection, token) =>
        {
            await using var command = SqliteDatabase.Command(connection, sql, parameters);
            return await command.ExecuteScalarAsync(token);
        }, cancellationToken);
    }

    async Task<int> WriteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await _tables.EnsureAsync(cancellationToken);
        return await _database.WriteAsync((connection, token) => SqliteDatabase.ExecuteAsync(connection, sql, token, parameters), cancellationToken);
    }
}
