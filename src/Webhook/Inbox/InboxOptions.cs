using System.ComponentModel.DataAnnotations;
using Webhook.Operations;

namespace Webhook.Inbox;

public sealed class InboxOptions
{
    public const string Section = "Inbox";

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
}
