using System.ComponentModel.DataAnnotations;
using Webhook.Operations;

namespace Webhook.Inbox;

/// <summary>Where the inbox is kept: the embedded SQLite file (one replica) or a shared PostgreSQL database (several).</summary>
public enum InboxProvider { Sqlite, Postgres }

public sealed class InboxOptions : IValidatableObject
{
    public const string Section = "Inbox";

    public InboxProvider Provider { get; set; } = InboxProvider.Sqlite;

    /// <summary>
    /// Npgsql connection string of the shared database, with Inbox:Provider=postgres (from a Secret: it holds a
    /// password). Unused with SQLite.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>The SQLite file; its folder is created on start.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Path { get; set; } = "data/inbox.db";

    /// <summary>Most alerts committed in one transaction when requests arrive together (group commit).</summary>
    [Range(1, 10_000)]
    public int MaxBatch { get; set; } = 512;

    /// <summary>How long a write waits for a lock held by someone else before the intake answers 503.</summary>
    [TimeSpanRange("00:00:00.010", "00:05:00")]
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The write-ahead log is restarted between two commits once it is larger than this; under steady load it
    /// would otherwise only grow. Also SQLite's journal_size_limit.
    /// </summary>
    [Range(1024 * 1024, 4L * 1024 * 1024 * 1024)]
    public long MaxWalBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>
    /// With the PostgreSQL inbox: items a replica's claim takes beyond what its idle workers asked for, handed to
    /// the next worker that asks without another claim (a claim costs the database about the same for one item as
    /// for several). Kept at most a third of the lease; 0: a claim takes only what was asked.
    /// </summary>
    [Range(0, 64)]
    public int ClaimAhead { get; set; } = 4;

    /// <summary>
    /// With the PostgreSQL inbox: the most a replica's claim-ahead grows to under a backlog. It doubles from
    /// <see cref="ClaimAhead"/> while claims come back full and falls back to it at the first that does not, so a
    /// storm is claimed in a few large claims, and one replica keeps at most this many items the others could take.
    /// Below ClaimAhead it is ClaimAhead (no growth).
    /// </summary>
    [Range(0, 256)]
    public int MaxClaimAhead { get; set; } = 16;

    /// <summary>Delivered items are kept this long, so a late duplicate is still recognised.</summary>
    [TimeSpanRange("00:01:00", "365.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Failed and dead items are kept this long (to be seen on /status and re-queued), then deleted.</summary>
    [TimeSpanRange("00:01:00", "365.00:00:00")]
    public TimeSpan FailedRetention { get; set; } = TimeSpan.FromDays(14);

    /// <summary>
    /// Intake requests waiting for the group-commit writer. Past this the intake answers 503 (Alertmanager retries)
    /// rather than holding an unbounded backlog in memory while the disk is slow.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxQueuedRequests { get; set; } = 10_000;

    /// <summary>
    /// Off only in tests that call CheckpointAsync themselves, so what they measure does not depend on how fast the
    /// background checkpointer and the disk are. Internal: not a setting.
    /// </summary>
    internal bool BackgroundCheckpoints { get; init; } = true;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Provider != InboxProvider.Postgres) yield break;
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return new("Inbox:ConnectionString must be set when Inbox:Provider is postgres", [nameof(ConnectionString)]);
            yield break;
        }
        // A malformed string fails here, at start, with the key's name, not at the first alert. The message names
        // the bad keyword, never the string's value (it holds the password).
        string? problem = null;
        try { _ = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString); }
        catch (ArgumentException ex) { problem = ex.Message; }
        if (problem is not null)
            yield return new($"Inbox:ConnectionString is not a valid Npgsql connection string: {problem}", [nameof(ConnectionString)]);
    }
}
