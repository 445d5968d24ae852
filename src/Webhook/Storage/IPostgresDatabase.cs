using Npgsql;

namespace Webhook.Storage;

/// <summary>
/// The shared PostgreSQL database (the inbox's, with Inbox:Provider=postgres), for every part that keeps state in it:
/// the inbox, the Slack incidents, the storm digests. The schema of all of them is one list of numbered migrations,
/// applied once by whoever uses the database first; <see cref="ReadyAsync"/> returns only after that.
/// </summary>
public interface IPostgresDatabase
{
    /// <summary>The pooled data source, once the schema is up to date (tried again on each call while the database is down).</summary>
    ValueTask<NpgsqlDataSource> ReadyAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The first key of the advisory locks a part takes, by part (<see cref="PostgresLockClass"/>): parts never take
    /// each other's locks by accident.
    /// </summary>
    int LockClass(PostgresLockClass part);

    /// <summary>
    /// This process's owner id, held as a session advisory lock while it runs (the inbox's owner lock): rows marked
    /// with it are a live replica's, and those of an owner no session holds are a stopped or dead replica's, to take over.
    /// </summary>
    long OwnerId { get; }

    /// <summary>A SQL condition: the owner id in <paramref name="column"/> is held by a live session of this database.</summary>
    string OwnerAlive(string column);
}

/// <summary>Who takes an advisory lock in the shared database.</summary>
public enum PostgresLockClass
{
    /// <summary>Migrations and the per-alert locks of the inbox.</summary>
    Inbox = 0,
    /// <summary>The replicas' owner locks of the inbox.</summary>
    InboxOwner = 1,
    /// <summary>A Slack destination's conversation (one notification at a time across replicas).</summary>
    SlackConversation = 2,
    /// <summary>A chat destination's storm digests.</summary>
    Storm = 3,
}
