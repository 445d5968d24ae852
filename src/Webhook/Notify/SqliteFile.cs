using Microsoft.Data.Sqlite;

namespace Webhook.Notify;

/// <summary>
/// The notifiers' own tables in the inbox's SQLite file (Slack incidents, storm digests): short-lived pooled
/// connections and parameterised commands.
/// </summary>
public sealed class SqliteFile
{
    readonly string _connectionString;

    public SqliteFile(string path)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir) Directory.CreateDirectory(dir);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString();
    }

    public SqliteConnection Open()
    {
        var db = new SqliteConnection(_connectionString);
        db.Open();
        // As the inbox's own bookkeeping: in WAL mode NORMAL survives a process crash without an fsync per commit
        // (a storm adds thousands of pods to digests in seconds); a power loss may repeat a post, never lose an alert.
        Exec(db, "PRAGMA synchronous=NORMAL");
        return db;
    }

    public static int Exec(SqliteConnection db, string sql, params (string, object)[] args)
    {
        using var cmd = Command(db, sql, args);
        return cmd.ExecuteNonQuery();
    }

    public static SqliteCommand Command(SqliteConnection db, string sql, (string, object)[] args)
    {
        var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in args) cmd.Parameters.AddWithValue(name, value);
        return cmd;
    }
}
