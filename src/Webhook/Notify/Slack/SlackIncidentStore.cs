using Microsoft.Data.Sqlite;

namespace Webhook.Notify.Slack;

/// <summary>
/// Slack message ts per incident (workload + container + cause), the pods firing in it, and which steps of
/// which notification are done, so a retry after a partial success does not post twice. Tables live in the
/// inbox's SQLite file, on our own connections.
/// </summary>
public sealed class SlackIncidentStore
{
    private readonly SqliteFile _file;
    private readonly SlackStoreOptions _options;
    private readonly TimeProvider _time;
    private long _nextPurge;

    public SlackIncidentStore(string path, SlackStoreOptions? options = null, TimeProvider? time = null)
    {
        _options = options ?? new SlackStoreOptions();
        _time = time ?? TimeProvider.System;
        _file = new SqliteFile(path);
        using var db = _file.Open();
        SqliteFile.Exec(db, """
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
            """);
        Purge(db);
    }

    /// <summary>A post is about to be made: recorded first, so after a crash we know it may have happened.</summary>
    public void MarkAttempt(string destination, string idempotencyKey, string step, DateTimeOffset now) =>
        Run("INSERT OR IGNORE INTO slack_attempts VALUES($d,$i,$s,$a)", ("$d", destination), ("$i", idempotencyKey), ("$s", step), ("$a", Stamp(now)));

    public DateTimeOffset? AttemptedAt(string destination, string idempotencyKey, string step) =>
        Scalar("SELECT attempted_at FROM slack_attempts WHERE destination=$d AND idempotency_key=$i AND step=$s",
            ("$d", destination), ("$i", idempotencyKey), ("$s", step)) is string s
            ? DateTimeOffset.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : null;

    public void ClearAttempt(string destination, string idempotencyKey, string step) =>
        Run("DELETE FROM slack_attempts WHERE destination=$d AND idempotency_key=$i AND step=$s", ("$d", destination), ("$i", idempotencyKey), ("$s", step));

    /// <summary>
    /// Step and attempt marks only matter while the inbox may still retry an item; closed incidents are kept a while
    /// for late recoveries; an incident that never resolved (its resolve was lost, or the pods were deleted while
    /// firing) stops collecting replies after <see cref="SlackStoreOptions.IncidentMaxAge"/> and is deleted then.
    /// Runs at start and then at most hourly, from the calls that write.
    /// </summary>
    private void Purge(SqliteConnection db)
    {
        var now = _time.GetUtcNow();
        Interlocked.Exchange(ref _nextPurge, (now + TimeSpan.FromHours(1)).ToUnixTimeMilliseconds());
        // ISO 8601 "O" strings of UTC times compare in time order; steps' done_at default is strftime's ...Z form,
        // which compares the same way to the second.
        SqliteFile.Exec(db, """
            DELETE FROM slack_steps WHERE done_at < $steps;
            DELETE FROM slack_attempts WHERE attempted_at < $steps;
            DELETE FROM slack_incident_pods WHERE ts IN (SELECT ts FROM slack_incidents
              WHERE resolved_at < $resolved OR (resolved_at IS NULL AND opened_at < $open));
            DELETE FROM slack_incidents WHERE resolved_at < $resolved OR (resolved_at IS NULL AND opened_at < $open);
            """,
            ("$steps", Stamp(now - _options.StepRetention)), ("$resolved", Stamp(now - _options.ResolvedRetention)),
            ("$open", Stamp(now - _options.IncidentMaxAge)));
    }

    private static string Stamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);

    private void PurgeWhenDue()
    {
        if (_time.GetUtcNow().ToUnixTimeMilliseconds() < Interlocked.Read(ref _nextPurge)) return;
        using var db = _file.Open();
        Purge(db);
    }

    private string OpenCutoff => Stamp(_time.GetUtcNow() - _options.IncidentMaxAge);

    public sealed record Incident(string Channel, string Ts, string MessageJson, DateTimeOffset OpenedAt);

    public Incident? FindOpen(string destination, string incidentKey) => One("""
        SELECT channel, ts, message_json, opened_at FROM slack_incidents
        WHERE destination=$d AND incident_key=$k AND resolved_at IS NULL AND opened_at >= $o ORDER BY opened_at DESC LIMIT 1
        """, ("$d", destination), ("$k", incidentKey), ("$o", OpenCutoff));

    public Incident? FindOpenByPod(string destination, string fingerprint) => One("""
        SELECT i.channel, i.ts, i.message_json, i.opened_at FROM slack_incidents i
        JOIN slack_incident_pods p ON p.destination=i.destination AND p.ts=i.ts
        WHERE i.destination=$d AND p.fingerprint=$f AND i.resolved_at IS NULL AND i.opened_at >= $o ORDER BY i.opened_at DESC LIMIT 1
        """, ("$d", destination), ("$f", fingerprint), ("$o", OpenCutoff));

    /// <summary>Records a posted message and its first pod, and marks the step done, in one transaction.</summary>
    public void Open(string destination, string incidentKey, string channel, string ts, string messageJson,
        string fingerprint, string idempotencyKey, DateTimeOffset now)
    {
        using var db = _file.Open();
        using var tx = db.BeginTransaction();
        SqliteFile.Exec(db, "INSERT OR REPLACE INTO slack_incidents VALUES($d,$k,$c,$t,$o,NULL,$m)",
            ("$d", destination), ("$k", incidentKey), ("$c", channel), ("$t", ts), ("$o", Stamp(now)), ("$m", messageJson));
        SqliteFile.Exec(db, "INSERT OR REPLACE INTO slack_incident_pods VALUES($d,$t,$f,1)", ("$d", destination), ("$t", ts), ("$f", fingerprint));
        SqliteFile.Exec(db, "INSERT OR REPLACE INTO slack_steps(destination, idempotency_key, step, ts, done_at) VALUES($d,$i,'post',$t,$a)", ("$d", destination), ("$i", idempotencyKey), ("$t", ts), ("$a", Stamp(now)));
        tx.Commit();
    }

    /// <summary>A storm digest is an incident too: its pods resolve onto it like pods of one workload.</summary>
    public void OpenDigest(string destination, string digestKey, string channel, string ts, string messageJson,
        IEnumerable<string> fingerprints, DateTimeOffset now)
    {
        using var db = _file.Open();
        using var tx = db.BeginTransaction();
        SqliteFile.Exec(db, "INSERT OR IGNORE INTO slack_incidents VALUES($d,$k,$c,$t,$o,NULL,$m)",
            ("$d", destination), ("$k", digestKey), ("$c", channel), ("$t", ts), ("$o", Stamp(now)), ("$m", messageJson));
        foreach (var fingerprint in fingerprints)
            SqliteFile.Exec(db, "INSERT OR REPLACE INTO slack_incident_pods VALUES($d,$t,$f,1)", ("$d", destination), ("$t", ts), ("$f", fingerprint));
        tx.Commit();
    }

    public void SetPodFiring(string destination, string ts, string fingerprint, bool firing) =>
        Run("INSERT OR REPLACE INTO slack_incident_pods VALUES($d,$t,$f,$x)",
            ("$d", destination), ("$t", ts), ("$f", fingerprint), ("$x", firing ? 1 : 0));

    public int FiringPodsExcept(string destination, string ts, string fingerprint) => Convert.ToInt32(Scalar(
        "SELECT count(*) FROM slack_incident_pods WHERE destination=$d AND ts=$t AND firing=1 AND fingerprint<>$f",
        ("$d", destination), ("$t", ts), ("$f", fingerprint)), System.Globalization.CultureInfo.InvariantCulture);

    public void Resolve(string destination, string ts, DateTimeOffset now) =>
        Run("UPDATE slack_incidents SET resolved_at=$r WHERE destination=$d AND ts=$t", ("$d", destination), ("$t", ts), ("$r", Stamp(now)));

    public bool StepDone(string destination, string idempotencyKey, string step) =>
        Scalar("SELECT 1 FROM slack_steps WHERE destination=$d AND idempotency_key=$i AND step=$s",
            ("$d", destination), ("$i", idempotencyKey), ("$s", step)) is not null;

    public string? StepTs(string destination, string idempotencyKey, string step) =>
        Scalar("SELECT ts FROM slack_steps WHERE destination=$d AND idempotency_key=$i AND step=$s",
            ("$d", destination), ("$i", idempotencyKey), ("$s", step)) as string;

    public void MarkStep(string destination, string idempotencyKey, string step, string? ts = null)
    {
        PurgeWhenDue();
        Run("INSERT OR REPLACE INTO slack_steps(destination, idempotency_key, step, ts, done_at) VALUES($d,$i,$s,$t,$a)", ("$d", destination), ("$i", idempotencyKey), ("$s", step), ("$t", (object?)ts ?? DBNull.Value), ("$a", Stamp(_time.GetUtcNow())));
    }

    private Incident? One(string sql, params (string, object)[] args)
    {
        using var db = _file.Open();
        using var cmd = SqliteFile.Command(db, sql, args);
        using var r = cmd.ExecuteReader();
        return r.Read() ? new Incident(r.GetString(0), r.GetString(1), r.GetString(2), DateTimeOffset.Parse(r.GetString(3), System.Globalization.CultureInfo.InvariantCulture)) : null;
    }

    private object? Scalar(string sql, params (string, object)[] args)
    {
        using var db = _file.Open();
        using var cmd = SqliteFile.Command(db, sql, args);
        return cmd.ExecuteScalar();
    }

    private void Run(string sql, params (string, object)[] args)
    {
        using var db = _file.Open();
        SqliteFile.Exec(db, sql, args);
    }
}
