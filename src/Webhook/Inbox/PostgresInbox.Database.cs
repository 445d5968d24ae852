using Npgsql;
using Webhook.Storage;

namespace Webhook.Inbox;

/// <summary>
/// The store's database for the other parts that keep state in it (Slack incidents, storm digests): their tables
/// are migrations of <see cref="PostgresSchema"/>, applied when the inbox initializes, so using the database
/// initializes the inbox first.
/// </summary>
public sealed partial class PostgresInbox : IPostgresDatabase
{
    async ValueTask<NpgsqlDataSource> IPostgresDatabase.ReadyAsync(CancellationToken cancellationToken)
    {
        await ReadyAsync(cancellationToken);
        return _dataSource;
    }

    int IPostgresDatabase.LockClass(PostgresLockClass part) => PostgresSchema.LockClass + (int)part;

    // The same test as the recovery of in-flight items (RecoverInFlightAsync).
    string IPostgresDatabase.OwnerAlive(string column) => $"""
        EXISTS (SELECT 1 FROM pg_locks k
                WHERE k.locktype = 'advisory' AND k.granted AND k.classid::bigint = {OwnerClass} AND k.objsubid = 2
                  AND k.objid::bigint = {column}
                  AND k.database = (SELECT oid FROM pg_database WHERE datname = current_database()))
        """;
}
